"""The self-assessment as a Word document: each official table on its own page, merged cells
as filed; A4, portrait for the forms and landscape for a wide 计分表.

python-docx sets up the document (styles, sections); the tables are written as
WordprocessingML text, one parse per table. Cell by cell through python-docx (per-run font
setters, ``Cell.merge()`` rescanning the table per call, body scans per inserted block) a
1,000-project department took minutes; formatting lives in a few paragraph styles that
every cell names.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from bpt.projections.reports.layout import Grid, grids, save_atomically

FONT = "宋体"
TITLE_FONT = "黑体"
A4 = (Mm(210), Mm(297))
MARGIN = Mm(15)
# name: (font, size, bold, alignment)
STYLES = {
    "BptTitle": (TITLE_FONT, 16, True, WD_ALIGN_PARAGRAPH.CENTER),
    "BptSubtitle": (FONT, 10, False, WD_ALIGN_PARAGRAPH.LEFT),
    "BptCell": (FONT, 9, False, WD_ALIGN_PARAGRAPH.CENTER),
    "BptText": (FONT, 9, False, WD_ALIGN_PARAGRAPH.LEFT),
    "BptHead": (FONT, 9, True, WD_ALIGN_PARAGRAPH.CENTER),
    "BptNote": (FONT, 8, False, WD_ALIGN_PARAGRAPH.LEFT),
}
# Narrow cell padding (1 mm), as printed forms have.
CELL_MARGINS = '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
ROW_HEIGHT = 368  # twips (6.5 mm): the least height of a row


def _styles(doc: Document) -> None:
    for name, (font, size, bold, alignment) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.font.name, style.font.size, style.font.bold = font, Pt(size), bold
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)  # CJK, not only Latin
        style.paragraph_format.alignment = alignment
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
    doc.styles["BptTitle"].paragraph_format.space_after = Pt(10)
    doc.styles["BptSubtitle"].paragraph_format.space_after = Pt(4)


def _page(doc: Document, g: Grid, previous: Grid | None) -> tuple[int, bool]:
    """Set up the page for ``g``: (usable width, whether a new section starts its page).

    A section only where the orientation changes; other tables start with a page break.
    """
    width = (A4[1] if g.landscape else A4[0]) - 2 * MARGIN
    if previous is not None and previous.landscape == g.landscape:
        return width, False
    section = doc.sections[-1] if previous is None else doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if g.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (A4[1], A4[0]) if g.landscape else A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    return width, True


def _append(doc: Document, element):
    """Put a block at the end of the body. python-docx's add_paragraph()/add_table() look for
    the section properties by scanning the whole body each time (quadratic over 1,000 tables)."""
    doc.element.body[-1].addprevious(element)  # the last child of the body is its sectPr
    return element


def _lines(doc: Document, text: str, style: str) -> Paragraph:
    """A paragraph of ``text`` (line breaks kept) in one of the styles above."""
    return Paragraph(_append(doc, parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
                                            f'{_run(text)}</w:p>')), doc._body)


def _run(text: str) -> str:
    lines = text.split("\n")
    return "<w:r><w:br/></w:r>".join(f'<w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r>' for line in lines)


def _table_xml(g: Grid, widths: list[int]) -> str:
    """The table as WordprocessingML: gridSpan across, vMerge down, one styled paragraph per cell."""
    spans = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in g.merges}
    owner = {}  # (row, col) of a vertically merged cell below its anchor -> the anchor's last column
    for r0, c0, r1, c1 in g.merges:
        for r in range(r0 + 1, r1 + 1):
            owner[(r, c0)] = c1
    covered = g.covered()
    rows = []
    for r, cells in enumerate(g.rows):
        tcs, c = [], 0
        while c < len(cells):
            r1, c1 = spans.get((r, c), (r, owner.get((r, c), c)))
            props = f'<w:tcW w:w="{sum(widths[c:c1 + 1])}" w:type="dxa"/>'
            if c1 > c:
                props += f'<w:gridSpan w:val="{c1 - c + 1}"/>'
            if (r, c) in owner:
                props += "<w:vMerge/>"
            elif r1 > r:
                props += '<w:vMerge w:val="restart"/>'
            style = "BptHead" if r in g.header_rows else "BptText" if (r, c) in g.left else "BptCell"
            text = "" if (r, c) in covered else _run(cells[c])
            tcs.append(f'<w:tc><w:tcPr>{props}<w:vAlign w:val="center"/></w:tcPr>'
                       f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{text}</w:p></w:tc>')
            c = c1 + 1
        rows.append(f'<w:tr><w:trPr><w:trHeight w:val="{ROW_HEIGHT}" w:hRule="atLeast"/></w:trPr>{"".join(tcs)}</w:tr>')
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>{CELL_MARGINS}</w:tblPr>'
            f'<w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def _grid(doc: Document, g: Grid, previous: Grid | None) -> None:
    usable, new_page = _page(doc, g, previous)
    title = _lines(doc, g.title, "BptTitle")
    title.paragraph_format.page_break_before = not new_page
    sub = _lines(doc, f"{g.subtitle}\t{g.unit_note}", "BptSubtitle")
    sub.paragraph_format.tab_stops.add_tab_stop(usable, WD_TAB_ALIGNMENT.RIGHT)
    twips = usable / 635  # EMU -> twentieths of a point
    _append(doc, parse_xml(_table_xml(g, [int(twips * w / sum(g.widths)) for w in g.widths])))
    for note in g.notes:
        _lines(doc, note, "BptNote")


def build_document(report: dict, unit: str = "万元") -> Document:
    return document_of(grids(report, unit))


def document_of(tables: list[Grid]) -> Document:
    """A document of ``tables``, each on its page (section) in order."""
    doc = Document()
    _styles(doc)
    previous = None
    for g in tables:
        _grid(doc, g, previous)
        previous = g
    return doc


def write_docx(report: dict, path: str, unit: str = "万元") -> None:
    save_atomically(path, build_document(report, unit).save)


def write_tables_docx(tables: list[Grid], path: str) -> None:
    save_atomically(path, document_of(tables).save)
