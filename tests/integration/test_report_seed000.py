"""Seed 000 closed and rendered: the xlsx and docx files open, have the seed's rows and columns,
and every figure in them equals the JSON report, cell by cell."""

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from bpt.domain.money import fmt_wan, fmt_yuan
from bpt.projections.reports.render_docx import build_document
from bpt.projections.reports.render_xlsx import write_xlsx
from bpt.projections.reports.body import build_report
from bpt.projections.store.service import Bpt
from tests.seed000 import DEPT, DEPT_NAME, EXPECTED, PROJECTS, YEAR, open_seeded

INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
FUNDS_HEADER = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
TITLES = ["项目支出绩效自评表", "项目支出绩效自评表", "部门整体支出绩效自评表", "部门整体支出绩效评价基础数据表",
          "部门整体支出绩效自评指标计分表"]


def wan(value: str) -> str:
    return fmt_wan(Decimal(value))


def yuan(value: str) -> str:
    return fmt_yuan(Decimal(value))


def percent(rate: str) -> str:
    return f"{(Decimal(rate) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def points(weight: str) -> str:
    """分值 as the forms write it: ``10``, ``7.5``."""
    return format(Decimal(weight).normalize(), "f")


def find(table, col: int, text: str) -> int:
    rows = [r for r, row in enumerate(table) if row[col] == text]
    assert rows, f"no row with {text!r} in column {col}"
    return rows[0]


def check_project(table, p: dict, amount) -> None:
    assert table[find(table, 0, "项目支出名称")][1] == p["name"]
    head = find(table, 3, "年初预算数")
    assert table[head][3:9] == FUNDS_HEADER
    for n, fund in enumerate(p["funds"]):
        row = table[find(table, 1, fund["label"])]
        if n and all(Decimal(fund[k]) == 0 for k in ("initial_budget", "adjusted_budget", "executed")):
            assert row[3:9] == [""] * 6  # an unused funding source stays blank, as filed
            continue
        assert row[3:6] == [amount(fund["initial_budget"]), amount(fund["adjusted_budget"]), amount(fund["executed"])]
        assert row[7] == percent(fund["execution_rate"])
        if n == 0:
            assert row[6] == points(p["execution_weight"]) and row[8] == p["execution_score"]
    first = find(table, 1, "一级指标")
    assert table[first][1:9] == INDICATOR_HEADER
    for offset, i in enumerate(p["indicators"], 1):
        row = table[first + offset]
        assert row[0] == "绩效指标"  # the merged label of the block
        assert row[1].startswith(i["level1"]) and row[2] == i["level2"] and row[3] == i["name"]
        assert row[4:9] == [i["target"], i["actual"], points(i["weight"]), i["score"], i["deviation"]]
    total = table[find(table, 0, "总分")]
    assert total[6:9] == [points(p["total_weight"]), p["total_score"], f"评价等次：{p['grade']}"]


def check_department(table, report: dict, amount) -> None:
    d = report["department"]
    assert table[find(table, 0, "部门名称")][1] == DEPT_NAME
    total = table[find(table, 1, "年度资金总额")]
    fund = d["funds"][0]
    assert total[3:9] == [amount(fund["initial_budget"]), amount(fund["adjusted_budget"]), amount(fund["executed"]),
                          points(d["execution_weight"]), percent(fund["execution_rate"]), d["execution_score"]]
    for p in report["projects"]:
        row = table[find(table, 1, f"{p['project']} {p['name']}")]
        assert row[4:9] == [amount(p["adjusted_budget"]), amount(p["executed"]), percent(p["execution_rate"]),
                            p["total_score"], p["grade"]]
    assert table[find(table, 0, "总分")][7:9] == [report["total_score"], f"评价等次：{report['grade']}"]


def check_basic_data(table, report: dict, amount) -> None:
    staff = table[find(table, 0, "财政供养人员情况") + 1]
    assert staff[1:4] == ["26", "26", "100.00%"]
    data = report["basic_data"]
    assert table[find(table, 0, "其中：公用经费")][2:4] == [amount(data["public_budget"]["value"]),
                                                       amount(data["public_actual"]["value"])]
    assert table[find(table, 0, "“三公经费”")][1:4] == [amount(data[k]["value"]) for k in
                                                      ("sangong_last_year", "sangong_budget", "sangong_actual")]
    for n, p in enumerate(report["projects"], 1):
        assert table[find(table, 0, f"{n}、{p['name']}")][2:4] == [amount(p["adjusted_budget"]), amount(p["executed"])]


def check_scoring(table, report: dict) -> None:
    s = report["scoring"]
    head = find(table, 0, "一级指标")
    assert table[head] == ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评价标准", "指标说明", "得分"]
    words = {"missing": "缺少数据", "pending": "待人工评分"}
    for offset, i in enumerate(s["indicators"], 1):
        row = table[head + offset]
        assert row[0] == i["level1"] and row[2] == i["level2"] and row[4] == i["name"] and row[5] == points(i["weight"])
        assert row[8] == (i["score"] if i["score"] is not None else words[i["status"]])
    assert table[find(table, 0, "合计")][8] == s["total"]


def check_all(tables, report: dict, amount) -> None:
    assert len(tables) == 5
    for table, p in zip(tables, report["projects"]):
        check_project(table, p, amount)
    check_department(tables[2], report, amount)
    check_basic_data(tables[3], report, amount)
    check_scoring(tables[4], report)


TOP_ROW = 3  # xlsx_tables' grids start on this sheet row


def shown(cell) -> str:
    """A cell's text as Excel shows it: a numeric cell through its number format (0.00, 0.00%)."""
    if cell.value is None:
        return ""
    if cell.data_type != "n":
        return str(cell.value)
    fmt = cell.number_format
    percent, decimals = fmt.endswith("%"), len(fmt.rstrip("%").partition(".")[2])
    value = Decimal(str(cell.value)) * (100 if percent else 1)
    return f"{value:.{decimals}f}{'%' if percent else ''}"


def xlsx_tables(path: str) -> tuple[list[str], list[list[list[str]]]]:
    """Each sheet's title and its grid from row 3, merged ranges filled with their anchor's text."""
    wb = load_workbook(path)
    titles, tables = [], []
    for ws in wb.worksheets:
        values = {(c.row, c.column): shown(c) for row in ws.iter_rows() for c in row}
        for rng in ws.merged_cells.ranges:
            anchor = values[(rng.min_row, rng.min_col)]
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    values[(r, c)] = anchor
        titles.append(values[(1, 1)])
        tables.append([[values.get((r, c), "") for c in range(1, ws.max_column + 1)] for r in range(TOP_ROW, ws.max_row + 1)])
    return titles, tables


def docx_tables(path: str) -> tuple[list[str], list[list[list[str]]]]:
    doc = Document(path)
    titles = [p.text for p in doc.paragraphs if p.style.name == "BptTitle"]
    tables = [[[t.cell(r, c).text for c in range(len(t.columns))] for r in range(len(t.rows))] for t in doc.tables]
    return titles, tables


@pytest.fixture
def closed(bpt, db_url):
    handle = open_seeded(db_url)
    handle.close()
    done = bpt("close", DEPT, "--year", str(YEAR), "--dept-rubric", "dept-datonghu-2023", db=db_url)
    assert done.returncode == 0, done.stderr
    return db_url


def test_xlsx_and_docx_show_the_seed_tables_with_the_json_figures(bpt, closed, tmp_path):
    result = bpt("report", DEPT, "--year", str(YEAR), "--format", "json", db=closed)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["issued"] and report["status"] == "正式出具" and report["snapshot"]
    projects = {p["project"]: p for p in report["projects"]}
    assert list(projects) == list(PROJECTS)
    for code, expected in EXPECTED.items():
        assert {k: projects[code][k] for k in expected} == expected

    xlsx, docx = tmp_path / "r.xlsx", tmp_path / "r.docx"
    for fmt, path in (("xlsx", xlsx), ("docx", docx)):
        out = bpt("report", DEPT, "--year", str(YEAR), "--format", fmt, "-o", str(path), db=closed)
        assert out.returncode == 0, out.stderr
    for titles, tables in (xlsx_tables(str(xlsx)), docx_tables(str(docx))):
        assert titles == TITLES
        check_all(tables, report, wan)
    # The seed's own numbers, as it prints them (万元, 2 decimals).
    p01 = xlsx_tables(str(xlsx))[1][0]
    assert p01[find(p01, 1, "年度资金总额")][3:8] == ["26.00", "22.00", "15.48", "10", "70.36%"]
    # … as numbers Excel can sum: the 全年预算数 cell of P01 is 22 with the format 0.00.
    cell = load_workbook(xlsx).worksheets[0].cell(TOP_ROW + find(p01, 1, "年度资金总额"), 5)
    assert (cell.data_type, cell.value, cell.number_format) == ("n", 22, "0.00")


def test_merged_cells_as_filed(closed, tmp_path):
    handle = Bpt(closed)
    try:
        report = build_report(handle, DEPT, YEAR)
    finally:
        handle.close()
    write_xlsx(report, str(tmp_path / "r.xlsx"))
    ws = load_workbook(tmp_path / "r.xlsx").worksheets[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    # 项目支出名称 across the row; 项目资金 down its five rows; 产出指标 down its six indicators.
    assert {"B3:I3", "A5:A9", "B11:B16"} <= merged
    table = build_document(report).tables[0]
    assert table.cell(2, 0)._tc is table.cell(6, 0)._tc  # 项目资金（万元）
    assert table.cell(8, 1)._tc is table.cell(13, 1)._tc  # 产出指标 (50分)
    assert table.cell(6, 0)._tc is not table.cell(7, 0)._tc  # 绩效指标 is a block of its own
    assert table.cell(0, 1)._tc is table.cell(0, 8)._tc  # 项目名称


def test_unit_yuan_and_markdown(bpt, closed, tmp_path):
    report = json.loads(bpt("report", DEPT, "--year", str(YEAR), db=closed).stdout)
    path = tmp_path / "yuan.xlsx"
    assert bpt("report", DEPT, "--year", str(YEAR), "--format", "xlsx", "--unit", "元", "-o", str(path),
               db=closed).returncode == 0
    titles, tables = xlsx_tables(str(path))
    check_all(tables, report, yuan)
    assert tables[0][find(tables[0], 1, "年度资金总额")][5] == "154800.00"
    md = bpt("report", DEPT, "--year", str(YEAR), "--format", "md", db=closed).stdout
    assert "## 项目支出绩效自评表" in md and "| 年度资金总额 |  | 26.00 | 22.00 | 15.48 | 10 | 70.36% | 7.04 |" in md


def test_before_any_close_the_report_is_live_and_marked_not_issued(bpt, db_url, tmp_path):
    handle = open_seeded(db_url)
    handle.close()
    report = json.loads(bpt("report", DEPT, "--year", str(YEAR), db=db_url).stdout)
    assert report["issued"] is False and report["snapshot"] is None and report["status"] == "未正式出具"
    assert report["projects"][0]["total_score"] == EXPECTED["P01"]["total_score"]
    path = tmp_path / "live.docx"
    assert bpt("report", DEPT, "--year", str(YEAR), "--format", "docx", "-o", str(path), db=db_url).returncode == 0
    titles, tables = docx_tables(str(path))
    assert titles[0] == "项目支出绩效自评表（未正式出具）"
    assert any("未正式出具" in p.text for p in Document(str(path)).paragraphs[2:])
    assert len(tables) == 4  # no department rubric adopted: no 计分表
    for table, p in zip(tables, report["projects"]):
        check_project(table, p, wan)
    check_department(tables[2], report, wan)
