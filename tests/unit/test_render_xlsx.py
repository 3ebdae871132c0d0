"""The xlsx writer: what openpyxl (and so Excel's format) reads back from the files it writes."""

from openpyxl import load_workbook

from bpt.projections.reports.render_xlsx import sheet_names, write_workbook
from bpt.projections.reports.layout import Grid


def _grid(key: str, landscape: bool = False) -> Grid:
    g = Grid(key, "标题 & <说明>", "填报单位：测试", "金额单位：万元", [12, 20, 10, 8], landscape=landscape)
    g.add(["项目", "=1+1"], spans=[(1, 3)], header=True)
    r = g.add(["资金", "  前后空格  ", "", "说明文字说明文字"])
    g.left.add((r, 1))
    g.add(["", "很长的说明文字" * 6, "", ""])
    g.merge_down(0, r, r + 1)
    g.notes = ["http://example.com"]
    return g


def test_cells_styles_merges_and_page_read_back(tmp_path):
    path = tmp_path / "t.xlsx"
    write_workbook(str(path), [_grid("表一", landscape=True), _grid("表一")])

    wb = load_workbook(path)
    assert wb.sheetnames == ["表一", "表一2"]
    ws = wb["表一"]
    assert [ws["A1"].value, ws["B3"].value, ws["B4"].value, ws["A7"].value] == [
        "标题 & <说明>", "=1+1", "  前后空格  ", "http://example.com"]
    assert ws["B3"].data_type == "s" and ws["A7"].hyperlink is None  # text stays text: no formula, no link
    assert ws["C4"].value is None and ws["C4"].data_type == "n"  # an empty cell is blank
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:D1", "A2:B2", "C2:D2", "B3:D3", "A4:A5", "A7:D7"}

    title, head, text, cell, note = ws["A1"], ws["A3"], ws["B4"], ws["D4"], ws["A7"]
    assert [(c.font.name, c.font.sz, bool(c.font.b)) for c in (title, head, text, cell, note)] == [
        ("宋体", 16, True), ("宋体", 10, True), ("宋体", 10, False), ("宋体", 10, False), ("宋体", 9, False)]
    assert [(c.alignment.horizontal, c.alignment.vertical, bool(c.alignment.wrap_text))
            for c in (title, head, text, cell, note)] == [
        ("center", "center", False), ("center", "center", True), ("left", "center", True),
        ("center", "center", True), ("left", "top", True)]
    assert [c.border.left.style for c in (title, head, text, cell, note, ws["C5"])] == [
        None, "thin", "thin", "thin", None, "thin"]
    assert ws["C5"].border.left.color.rgb == "FF000000"

    # Widths as the layout gives them. Rows as high as their wrapped lines (row 4: 3 lines in
    # column D, 14 pt each + 6; row 5: 4 lines) in whole pixels: XlsxWriter rounds to 0.75 pt.
    assert [ws.column_dimensions[c].width for c in "ABCD"] == [12, 20, 10, 8]
    assert [ws.row_dimensions[r].height for r in (1, 2, 3, 4, 5, 7)] == [30, None, 20.25, 48, 62.25, 17.25]
    assert (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToHeight) == (9, "landscape", 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_options.horizontalCentered
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom, margins.header, margins.footer) == (
        0.75, 0.75, 1, 1, 0.5, 0.5)
    assert wb["表一2"].page_setup.orientation == "portrait"


def test_sheet_names_are_what_excel_accepts():
    long = "项" * 40
    assert sheet_names(["P/01", "a[1]:b?", long, long, "部门整体", "'P02'", "p01", "P01"]) == [
        "P_01", "a_1__b_", "项" * 31, "项" * 30 + "2", "部门整体", "_P02_", "p01", "P012"]


def test_numbers_are_numeric_cells_showing_the_same_digits_and_text_stays_text(tmp_path):
    g = Grid("数", "标题", "填报单位：测试", "金额单位：万元", [10, 10, 10, 10, 10, 10])
    g.add(["26.00", "70.36%", "10", "0012", "≥95%", "-4.00"])
    g.add(["100%", "", "", "", "", ""], spans=[(0, 2)])
    path = tmp_path / "n.xlsx"
    write_workbook(str(path), [g])
    ws = load_workbook(path).worksheets[0]
    cells = [ws.cell(3, c) for c in range(1, 7)]
    assert [(c.data_type, c.value, c.number_format) for c in cells] == [
        ("n", 26, "0.00"), ("n", 0.7036, "0.00%"), ("n", 10, "0"), ("s", "0012", "General"),
        ("s", "≥95%", "General"), ("n", -4, "0.00")]
    merged = ws["A4"]
    assert (merged.data_type, merged.value, merged.number_format) == ("n", 1, "0%")
    assert "A4:C4" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A4"].border.left.style == "thin"  # the merged number keeps the frame
