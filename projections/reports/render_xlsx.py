"""The self-assessment as an Excel workbook: one sheet per official table, merged cells as filed.

A cell whose whole text is a number as the layout formats it (amounts, rates, scores, weights,
counts) is a numeric cell showing the same digits (0.00, 0.00%): Excel can sum and check it, and
the value written is the exact decimal of the text (no binary float on the way). Everything else
is text. A4 print setup, fit to one page wide; every row is as high as its wrapped text needs.
Written with XlsxWriter: one Format per style, made once per workbook and shared by its cells
(1,000 projects: ~1,000 sheets, ~185,000 cells).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

import xlsxwriter

from bpt.projections.reports.layout import Grid, grids, save_atomically
from bpt.projections.store.gcpause import gc_paused

FONT = "宋体"
TOP = 2  # the grid starts on this row (0-based): title, subtitle, then the table
LINE_HEIGHT = 14  # points per text line at 10 pt
# The layout's widths are stored as Excel stores them (padding included, as openpyxl wrote them);
# XlsxWriter's set_column() would add the padding, so widths go in as pixels: 7 per character
# of the Normal font (Calibri 11).
DIGIT_PIXELS = 7
BOXED = {"border": 1, "border_color": "#000000", "valign": "vcenter", "text_wrap": True}
STYLES = {  # XlsxWriter format properties, all in FONT
    "title": {"font_size": 16, "bold": True, "align": "center", "valign": "vcenter"},
    "subtitle": {"font_size": 10, "align": "left"},
    "unit": {"font_size": 10, "align": "right"},
    "cell": {"font_size": 10, "align": "center", **BOXED},
    "text": {"font_size": 10, "align": "left", **BOXED},
    "head": {"font_size": 10, "bold": True, "align": "center", **BOXED},
    "note": {"font_size": 9, "align": "left", "valign": "top", "text_wrap": True},
}
# The layout's numbers: no sign but minus, no leading zeros (a code like 0012 stays text), no
# thousands separators; an optional % makes it a rate.
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?(%?)")
# Characters Excel refuses in a sheet name; an apostrophe may not begin or end one either.
NOT_IN_SHEET_NAME = re.compile(r"[\\*?:/\[\]]|^'|'$")


def text_width(text: str) -> float:
    """Display width in '0' widths; a Chinese character renders about 1.8 of them at 10 pt."""
    if text.isascii():  # most cells are figures: no character to look up
        return len(text)
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    return sum(max(1, math.ceil(text_width(part) / max(width - 1, 1))) for part in text.split("\n"))


def sheet_names(keys: list[str]) -> list[str]:
    """Excel's sheet names: at most 31 characters, none of \\ * ? : / [ ] nor an apostrophe at
    either end, unique ignoring case (XlsxWriter refuses any other)."""
    names: list[str] = []
    taken: set[str] = set()
    for key in keys:
        base = NOT_IN_SHEET_NAME.sub("_", key[:31])
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base[:31 - len(str(n))]}{n}"
        names.append(name)
        taken.add(name.lower())
    return names


def as_number(text: str) -> tuple[Decimal, str] | None:
    """The value and Excel number format of a cell that is wholly a number ("26.00" → 26.00 with
    "0.00", "70.36%" → 0.7036 with "0.00%"), or None for text."""
    m = NUMBER.fullmatch(text)
    if m is None:
        return None
    digits = "0" + ("." + "0" * len(m.group(1)) if m.group(1) else "")
    if m.group(2):
        return Decimal(text[:-1]) / 100, digits + "%"
    return Decimal(text), digits


class Formats:
    """The workbook's formats, one per style and number format, made on first use."""

    def __init__(self, wb):
        self.wb, self.made = wb, {}

    def __call__(self, style: str, number_format: str | None = None):
        key = (style, number_format)
        if key not in self.made:
            extra = {"num_format": number_format} if number_format else {}
            self.made[key] = self.wb.add_format({"font_name": FONT, **STYLES[style], **extra})
        return self.made[key]


def _put(ws, r0: int, c0: int, r1: int, c1: int, text: str, formats: Formats, style: str) -> None:
    """``text`` over rows r0..r1 and columns c0..c1 (0-based), merged if more than one cell;
    XlsxWriter gives every cell of the range the style, so the range keeps its frame. An empty
    text is a blank cell, a number a numeric cell."""
    number = as_number(text) if text and style in ("cell", "text", "head") else None
    fmt = formats(style, number[1] if number else None)
    if (r0, c0) != (r1, c1):
        ws.merge_range(r0, c0, r1, c1, "" if number else text, fmt)
        if number:
            ws.write_number(r0, c0, number[0], fmt)
    elif number:
        ws.write_number(r0, c0, number[0], fmt)
    elif text:
        ws.write_string(r0, c0, text, fmt)
    else:
        ws.write_blank(r0, c0, None, fmt)


def _sheet(ws, g: Grid, formats: Formats) -> None:
    """Title and subtitle rows, the grid from row ``TOP``, the notes after a blank row; A4, fit to
    one page wide, centred."""
    n = len(g.widths)
    for c, width in enumerate(g.widths):
        ws.set_column_pixels(c, c, round(width * DIGIT_PIXELS))
    split = max(1, n - 2)
    _put(ws, 0, 0, 0, n - 1, g.title, formats, "title")
    ws.set_row(0, 30)
    _put(ws, 1, 0, 1, split - 1, g.subtitle, formats, "subtitle")
    _put(ws, 1, split, 1, n - 1, g.unit_note, formats, "unit")

    ends = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in g.merges}
    covered = g.covered()
    for r, texts in enumerate(g.rows):
        lines = 1
        for c, text in enumerate(texts):
            if (r, c) in covered:
                continue
            r1, c1 = ends.get((r, c), (r, c))
            style = "head" if r in g.header_rows else "text" if (r, c) in g.left else "cell"
            _put(ws, TOP + r, c, TOP + r1, c1, text, formats, style)
            lines = max(lines, math.ceil(_lines(text, sum(g.widths[c:c1 + 1])) / (r1 - r + 1)))
        ws.set_row(TOP + r, max(20, LINE_HEIGHT * lines + 6))

    at, total_width = TOP + len(g.rows) + 1, sum(g.widths)
    for note in g.notes:
        _put(ws, at, 0, at, n - 1, note, formats, "note")
        ws.set_row(at, 13 * _lines(note, total_width) + 4)
        at += 1

    ws.set_paper(9)  # A4
    if g.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.75, right=0.75, top=1, bottom=1)
    ws.set_header(margin=0.5)
    ws.set_footer(margin=0.5)


def write_workbook(path: str, tables: list[Grid]) -> None:
    """The .xlsx file of ``tables``, one sheet each, in order."""
    # Text stays text: no formula from "=...", no link from "http://..."; no temporary file per sheet.
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True})
    formats = Formats(wb)
    # XlsxWriter holds a tuple per cell until it saves (~185,000 for 1,000 projects), none in a
    # cycle: the collector's passes over them were a third of the time.
    with gc_paused():
        for g, name in zip(tables, sheet_names([g.key for g in tables])):
            _sheet(wb.add_worksheet(name), g, formats)
        wb.close()


def write_xlsx(report: dict, path: str, unit: str = "万元") -> None:
    tables = grids(report, unit)
    save_atomically(path, lambda tmp: write_workbook(tmp, tables))
