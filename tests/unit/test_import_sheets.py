"""Reading import files: cell text without binary floats, file types, headers, dates and amounts."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from bpt.domain.refusal import Refusal
from bpt.projections.imports.cells import cell_amount, cell_date, cell_source
from bpt.projections.imports.payments import COLUMNS as PAYMENT_COLUMNS
from bpt.projections.imports.sheets import cell_text, open_sheets
from bpt.projections.imports.table import find_table, normalise
from tests.conftest import REPO


def xlsx(path, *rows, title="Sheet"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def refused(call) -> Refusal:
    with pytest.raises(Refusal) as e:
        call()
    return e.value


def test_numeric_cells_come_back_as_typed(tmp_path):
    # Written as Decimal, stored by Excel as a binary double, read back by openpyxl as a float.
    path = xlsx(tmp_path / "n.xlsx", (Decimal("1234.56"), Decimal("154800"), Decimal("12.345"),
                                      Decimal("1E+20"), datetime(2021, 3, 5), date(2021, 3, 6), " 记-001 "))
    with open_sheets(path) as sheets:
        (_, cells), = list(sheets[0].rows)
    assert cells == ["1234.56", "154800", "12.345", "1e+20", "2021-03-05", "2021-03-06", "记-001"]
    # …so the amount rules refuse what is not an amount in 元 rather than rounding it.
    assert cell_amount(cells[0]) == Decimal("1234.56")
    assert "超过两位小数" in str(refused(lambda: cell_amount(cells[2])))
    assert "无法识别" in str(refused(lambda: cell_amount(cells[3])))
    assert cell_text(True) == "是" and cell_text(None) == ""


@pytest.mark.parametrize(("name", "content", "words"), [
    ("ledger.txt", b"a,b\n", "不支持的文件类型“.txt”"),
    ("ledger.docx", b"PK\x03\x04", "不支持的文件类型“.docx”"),
    ("ledger", b"a,b\n", "无扩展名"),
    ("ledger.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Excel"),
    ("ledger.xlsx", "项目编号,金额\nP01,5\n".encode(), "不是有效的 xlsx 文件"),
    ("ledger.xlsx", b"PK\x03\x04garbage", "无法作为 xlsx 读取"),
    ("ledger.csv", b"PK\x03\x04\x14\x00", "实际是 xlsx 工作簿"),
    ("ledger.csv", b"\x00\x01\x02binary", "不是文本 CSV"),
])
def test_wrong_file_types_are_refused_naming_the_file(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    refusal = refused(lambda: open_sheets(path).__enter__())
    assert refusal.field == "文件" and words in refusal.message


def test_missing_file_and_directory(tmp_path):
    assert "找不到文件" in str(refused(lambda: open_sheets(tmp_path / "nope.csv").__enter__()))
    assert "是目录" in str(refused(lambda: open_sheets(tmp_path).__enter__()))


def test_csv_in_gbk_and_tab_separated(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("项目编号,凭证号,日期,金额\nP01,记-1,2021-03-01,100\n".encode("gbk"))
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("项目编号\t凭证号\t日期\t金额\nP01\t记-1\t2021-03-01\t1,200.50\n", encoding="utf-8-sig")
    for path in (gbk, tabs):
        with open_sheets(path) as sheets:
            table = find_table(sheets, PAYMENT_COLUMNS, "支出台账")
            (row,) = list(table.data())
        assert row["项目编号"] == "P01" and row["凭证号"] == "记-1"
    assert cell_amount(row["金额"]) == Decimal("1200.50")


def test_header_below_a_title_with_units_and_aliases(tmp_path):
    path = xlsx(tmp_path / "t.xlsx", ("2021 年度支出台账",), (), ("项目代码", "凭证 号", "支付日期", "金额（万元）*"),
                ("P01", "记-1", "2021-03-01", "1.5"))
    with open_sheets(path) as sheets:
        table = find_table(sheets, PAYMENT_COLUMNS, "支出台账")
        (row,) = list(table.data())
    assert table.header_row == 3 and table.units == {"金额": "万元"}
    assert cell_amount(row["金额"], unit=table.units["金额"]) == Decimal("15000.00")
    assert normalise(" 金 额 (元) ") == ("金额", "元")


def test_header_problems_name_the_sheet_row_and_columns(tmp_path):
    missing = xlsx(tmp_path / "m.xlsx", ("项目编号", "日期", "金额"), title="台账")
    with open_sheets(missing) as sheets:
        refusal = refused(lambda: find_table(sheets, PAYMENT_COLUMNS, "支出台账"))
    assert refusal.field == "表头" and "工作表“台账”第 1 行的表头缺少列：凭证号" in refusal.message
    other = xlsx(tmp_path / "o.xlsx", ("姓名", "年龄"), ("张三", "30"), title="名单")
    with open_sheets(other) as sheets:
        refusal = refused(lambda: find_table(sheets, PAYMENT_COLUMNS, "支出台账"))
    assert refusal.field == "工作表" and "“名单”" in refusal.message and "没有找到支出台账的表头" in refusal.message
    twice = xlsx(tmp_path / "d.xlsx", ("项目编号", "凭证号", "日期", "金额", "金额"))
    with open_sheets(twice) as sheets:
        refusal = refused(lambda: find_table(sheets, PAYMENT_COLUMNS, "支出台账"))
    assert "列“金额”出现了两次（第 4 列和第 5 列）" in refusal.message


@pytest.mark.parametrize(("text", "expected"), [
    ("2021-01-15", date(2021, 1, 15)), ("2021/1/5", date(2021, 1, 5)), ("2021.01.05", date(2021, 1, 5)),
    ("2021年1月5日", date(2021, 1, 5)), ("20210105", date(2021, 1, 5)), ("2021-01-05 00:00:00", date(2021, 1, 5)),
])
def test_dates_as_spreadsheets_write_them(text, expected):
    assert cell_date(text) == expected


@pytest.mark.parametrize(("text", "words"), [("", "不能为空"), ("2021-02-30", "不存在的日期"), ("明天", "YYYY-MM-DD"),
                                             ("44211", "YYYY-MM-DD")])
def test_bad_dates_are_refused(text, words):
    assert words in str(refused(lambda: cell_date(text)))


def test_funding_source_defaults_and_aliases():
    assert cell_source("") == "当年财政拨款"
    assert cell_source("财政拨款") == "当年财政拨款"
    assert cell_source("上年结转") == "上年结转资金"
    assert refused(lambda: cell_source("银行贷款")).field == "资金来源"


def test_large_workbooks_are_streamed_with_the_same_rows(monkeypatch):
    import bpt.projections.imports.sheets as sheets

    def read():
        with open_sheets(REPO / "samples" / "payments_2021.xlsx") as books:
            # Streamed rows are as wide as their last cell, loaded ones as the sheet: compare the cells.
            return [(s.name, [(n, "|".join(cells).rstrip("|")) for n, cells in s.rows], s.merges) for s in books]

    loaded = read()
    monkeypatch.setattr(sheets, "STREAM_ABOVE_BYTES", 0)
    streamed = read()
    assert [(n, rows) for n, rows, _ in streamed] == [(n, rows) for n, rows, _ in loaded]
    assert loaded[0][2] and streamed[0][2] == []  # streaming cannot see merges (they then read as empty)
