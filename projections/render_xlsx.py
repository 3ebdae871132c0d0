"""The self-assessment as an Excel workbook: one sheet per official table, merged cells as filed.

Figures are written as text exactly as the layout formats them (no binary floats in the file),
A4 print setup, fit to one page wide.
"""

from __future__ import annotations

import math
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from projections.report_layout import Grid, grids, save_atomically

FONT = "宋体"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP = 3  # the grid starts on this row: title, subtitle, then the table
LINE_HEIGHT = 14  # points per text line at 10 pt
WRAP = dict(vertical="center", wrap_text=True)
# Named styles, registered once per workbook: assigning a name is far cheaper than building
# Font/Alignment objects per cell (a department with 1,000 projects writes ~30,000 cells).
STYLES = {
    "bpt-title": (Font(name=FONT, size=16, bold=True), Alignment(horizontal="center", vertical="center"), Border()),
    "bpt-subtitle": (Font(name=FONT, size=10), Alignment(horizontal="left"), Border()),
    "bpt-unit": (Font(name=FONT, size=10), Alignment(horizontal="right"), Border()),
    "bpt-cell": (Font(name=FONT, size=10), Alignment(horizontal="center", **WRAP), BOX),
    "bpt-text": (Font(name=FONT, size=10), Alignment(horizontal="left", **WRAP), BOX),
    "bpt-head": (Font(name=FONT, size=10, bold=True), Alignment(horizontal="center", **WRAP), BOX),
    "bpt-note": (Font(name=FONT, size=9), Alignment(horizontal="left", vertical="top", wrap_text=True), Border()),
}


def text_width(text: str) -> float:
    """Display width in '0' widths; a Chinese character renders about 1.8 of them at 10 pt."""
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    return sum(max(1, math.ceil(text_width(part) / max(width - 1, 1))) for part in text.split("\n"))


def _put(ws, row: int, col: int, value: str | None, style: str):
    cell = ws.cell(row, col)
    cell.value = value
    cell.style = style
    return cell


def _merge(ws, r0: int, c0: int, r1: int, c1: int) -> None:
    """Record a merged range (1-based). The covered cells carry their own style already;
    openpyxl's merge_cells() would restyle each one again and check the range against every
    other: most of the time of a 1,000-project workbook."""
    ws.merged_cells.ranges.add(CellRange(min_row=r0, min_col=c0, max_row=r1, max_col=c1))  # the layout's merges never overlap


def _sheet(wb: Workbook, g: Grid) -> None:
    ws = wb.create_sheet(g.key[:31])
    n = len(g.widths)
    for c, w in enumerate(g.widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    split = max(1, n - 2)
    for r0, c0, c1 in ((1, 1, n), (2, 1, split), (2, split + 1, n)):
        _merge(ws, r0, c0, r0, c1)
    _put(ws, 1, 1, g.title, "bpt-title")
    _put(ws, 2, 1, g.subtitle, "bpt-subtitle")
    _put(ws, 2, split + 1, g.unit_note, "bpt-unit")
    ws.row_dimensions[1].height = 30

    spans = {}
    for r0, c0, r1, c1 in g.merges:
        spans[(r0, c0)] = (r1 - r0 + 1, sum(g.widths[c0:c1 + 1]))
    covered = g.covered()
    heights = [1] * len(g.rows)
    for r, row in enumerate(g.rows):
        for c, text in enumerate(row):
            hidden = (r, c) in covered
            # Every cell of a merged range is styled too, so the range keeps its frame.
            style = "bpt-head" if r in g.header_rows else "bpt-text" if (r, c) in g.left else "bpt-cell"
            _put(ws, TOP + r, c + 1, None if hidden or not text else text, style)
            if not hidden:
                rows_spanned, width = spans.get((r, c), (1, g.widths[c]))
                heights[r] = max(heights[r], math.ceil(_lines(text, width) / rows_spanned))
    for r0, c0, r1, c1 in g.merges:
        _merge(ws, TOP + r0, c0 + 1, TOP + r1, c1 + 1)
    for r, lines in enumerate(heights):
        ws.row_dimensions[TOP + r].height = max(20, LINE_HEIGHT * lines + 6)

    at = TOP + len(g.rows) + 1
    total_width = sum(g.widths)
    for note in g.notes:
        _merge(ws, at, 1, at, n)
        _put(ws, at, 1, note, "bpt-note")
        ws.row_dimensions[at].height = 13 * _lines(note, total_width) + 4
        at += 1
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if g.landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def build_workbook(report: dict, unit: str = "万元") -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for name, (font, alignment, border) in STYLES.items():
        wb.add_named_style(NamedStyle(name=name, font=font, alignment=alignment, border=border))
    for g in grids(report, unit):
        _sheet(wb, g)
    return wb


def write_xlsx(report: dict, path: str, unit: str = "万元") -> None:
    save_atomically(path, build_workbook(report, unit).save)
