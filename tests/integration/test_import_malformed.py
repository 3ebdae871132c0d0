"""Malformed import files: each gives a clear Chinese message (row number + column name) and
records nothing — not even the good rows of the same file. Both storages."""

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from bpt.domain.refusal import Refusal
from bpt.projections.demo.year import register_structure
from bpt.projections.imports import import_file
from tests.conftest import REPO, initialised

Y = 2021
OP = "导入员"
HEADER = ("项目编号", "项目名称", "凭证号", "日期", "金额", "资金来源", "摘要")
GOOD = ("P01", "市直机关工会工作经费", "记-900", "2021-03-01", "1000", "当年财政拨款", "慰问")


@pytest.fixture
def handle(db_url):
    """The demo's department and projects with their budget, and one payment (voucher 记-100)."""
    bpt = initialised(db_url)
    register_structure(bpt.app, OP)
    import_file(bpt, "budget", REPO / "samples" / "budget_2021.csv", Y, dry_run=False, operator=OP)
    bpt.app.pay("P02", Y, Decimal("5000"), voucher="记-100", on=date(Y, 2, 1), operator=OP)
    yield bpt
    bpt.close()


def xlsx(path, rows, merges=()):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    for row in rows:
        ws.append(row)
    for merge in merges:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def csv_file(path, rows):
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8-sig")
    return path


def refused_rows(bpt, kind, path):
    """Import ``path``; assert that nothing was recorded; return the refused rows."""
    head = bpt.app.recorder.max_notification_id()
    result = import_file(bpt, kind, path, Y, dry_run=False, operator=OP)
    assert bpt.app.recorder.max_notification_id() == head
    assert result.recorded == 0 and not result.ok
    assert any("未记录任何内容" in line for line in result.summary)
    return result.refused


def refused_file(bpt, kind, path) -> Refusal:
    head = bpt.app.recorder.max_notification_id()
    with pytest.raises(Refusal) as e:
        import_file(bpt, kind, path, Y, dry_run=False, operator=OP)
    assert bpt.app.recorder.max_notification_id() == head
    return e.value


def test_wrong_sheet(handle):
    refusal = refused_file(handle, "payments", REPO / "samples" / "targets_2021.xlsx")
    assert refusal.field == "工作表"
    assert "在工作表 “党员活动经费”、“市直机关工会工作经费”、“部门整体” 的前 20 行中没有找到支出台账的表头" in refusal.message


def test_missing_columns(handle, tmp_path):
    path = csv_file(tmp_path / "p.csv", [("项目编号", "日期", "金额"), ("P01", "2021-03-01", "100")])
    refusal = refused_file(handle, "payments", path)
    assert str(refusal) == "表头：工作表“p”第 1 行的表头缺少列：凭证号（支出台账需要列：项目编号、凭证号、日期、金额）"


@pytest.mark.parametrize(("name", "content", "words"), [
    ("ledger.docx", b"PK\x03\x04\x14\x00\x06\x00", "无法作为 xlsx 读取"),
    ("ledger.docx", b"plain text", "不支持的文件类型“.docx”"),
    ("ledger.xlsx", "项目编号,凭证号\n".encode(), "不是有效的 xlsx 文件"),
])
def test_wrong_file_type(handle, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    if name.endswith(".docx") and content.startswith(b"PK"):
        path = path.rename(tmp_path / "renamed.xlsx")  # a Word file saved under an Excel name
    refusal = refused_file(handle, "payments", path)
    assert refusal.field == "文件" and words in refusal.message


def test_merged_cells_in_a_list(handle, tmp_path):
    path = xlsx(tmp_path / "m.xlsx", [HEADER, GOOD, ("P01", "市直机关工会工作经费", "记-901", "2021-03-02", "500"),
                                      ("P01", "市直机关工会工作经费", "记-902", "2021-03-03", None)], merges=["E3:E4"])
    assert refused_rows(handle, "payments", path) == [
        (3, "金额", "是合并单元格（E3:E4），每行须单独填写，请取消合并"),
        (4, "金额", "是合并单元格（E3:E4），每行须单独填写，请取消合并")]


def test_merged_cells_in_a_targets_form(handle, tmp_path):
    path = xlsx(tmp_path / "t.xlsx", [("项目名称", "党员活动经费"), ("一级指标", "二级指标", "三级指标", "指标值"),
                                      ("产出指标", "数量指标", "指标 1：模范机关创建", "按照要求执行 全年约 5 次"),
                                      (None, None, "指标 2：自选党建活动", None),
                                      ("满意度指标", "服务对象满意度指标", "满意度", "满意度 95%以上")],
                merges=["C3:C4"])
    assert refused_rows(handle, "targets", path) == [
        (3, "三级指标", "是合并单元格（C3:C4），无法确定本行的三级指标；请每个指标占一行、取消合并"),
        (4, "三级指标", "是合并单元格（C3:C4），无法确定本行的三级指标；请每个指标占一行、取消合并")]


def test_text_and_huge_numbers_in_amount_columns(handle, tmp_path):
    path = xlsx(tmp_path / "a.xlsx", [
        HEADER, GOOD,
        ("P01", "", "记-901", "2021-03-02", "十二万元"),
        ("P01", "", "记-902", "2021-03-02", "99999999999999"),
        ("P01", "", "记-903", "2021-03-02", Decimal("1E+20")),
        ("P01", "", "记-904", "2021-03-02", Decimal("12.345")),
        ("P01", "", "记-905", "2021-03-02", "-300"),
    ])
    rows = refused_rows(handle, "payments", path)
    assert [(r, c) for r, c, _ in rows] == [(3, "金额"), (4, "金额"), (5, "金额"), (6, "金额"), (7, "金额")]
    assert "无法识别的金额“十二万元”" in rows[0][2]
    assert "超出上限" in rows[1][2]
    assert "无法识别的金额“1e+20”" in rows[2][2]
    assert "超过两位小数" in rows[3][2]
    assert "不能带正负号" in rows[4][2]


def test_empty_rows_are_skipped_but_empty_cells_are_refused(handle, tmp_path):
    path = csv_file(tmp_path / "e.csv", [",".join(HEADER).split(","), GOOD, ("", "", "", "", "", "", ""), (),
                                         ("P01", "", "", "2021-03-05", "100", "", ""),
                                         ("", "", "记-906", "2021-03-05", "100", "", "")])
    assert refused_rows(handle, "payments", path) == [(5, "凭证号", "不能为空"), (6, "项目编号", "不能为空")]


def test_rows_the_domain_refuses(handle, tmp_path):
    path = csv_file(tmp_path / "d.csv", [
        HEADER, GOOD,
        ("P99", "", "记-907", "2021-03-01", "100", "", ""),
        ("P02", "", "记-100", "2021-02-01", "5001", "", ""),  # the voucher exists with 5000
        ("P02", "", "记-100", "2021-02-01", "5000", "", ""),  # same voucher, same data: already recorded
        ("P01", "", "记-908", "2022-01-05", "100", "", ""),
        ("P04", "", "记-909", "2021-03-01", "20000.01", "", ""),
        ("P01", "党员活动经费", "记-910", "2021-03-01", "100", "", ""),
        ("P01", "", "记-911", "2021-03-01", "100", "银行贷款", ""),
    ])
    rows = refused_rows(handle, "payments", path)
    assert [(r, c) for r, c, _ in rows] == [(3, "项目编号"), (4, "凭证号"), (6, "日期"), (7, "金额"), (8, "项目名称"),
                                            (9, "资金来源")]
    assert rows[0][2] == "未找到项目 P99（2021 年度）"
    assert rows[1][2] == "记-100 已记录在项目 P02：5000.00 元，2021-02-01，当年财政拨款；与本行不同"
    assert "不在 2021 预算年度内" in rows[2][2]
    assert "可用额度 10000.00" in rows[3][2]  # 2万, 调减 to 1万 by the budget sample
    assert "与项目 P01 的登记名称“市直机关工会工作经费”不一致" in rows[4][2]


def test_budget_rows_the_domain_refuses(handle, tmp_path):
    path = csv_file(tmp_path / "b.csv", [
        ("项目编号", "类型", "金额", "资金来源", "文号", "日期", "原因"),
        ("P06", "追加", "1万", "", "衡财预〔2021〕60号", "2021-09-01", "妇女节活动"),
        ("P06", "划拨", "1万", "", "衡财预〔2021〕61号", "2021-09-01", ""),
        ("P06", "调减", "-3.5万", "", "衡财预〔2021〕62号", "2021-09-01", "压减"),
        ("P06", "追加", "-1万", "", "衡财预〔2021〕63号", "2021-09-01", "压减"),
        ("P06", "追加", "1万", "", "衡财预〔2021〕64号", "2021-09-01", ""),
        ("P06", "上年结转", "1万", "当年财政拨款", "衡财预〔2021〕65号", "2021-09-01", ""),
        ("P01", "年初预算", "26万", "", "衡财预〔2021〕1号", "2021-02-01", ""),  # recorded with another date
    ])
    rows = refused_rows(handle, "budget", path)
    assert [(r, c) for r, c, _ in rows] == [(3, "类型"), (4, "金额"), (5, "金额"), (6, "原因"), (7, "资金来源"),
                                            (8, "文号")]
    assert "“划拨”不是可选值（可选：年初预算、追加、调减、上年结转）" in rows[0][2]
    assert "可用额度 30000.00" in rows[1][2]  # 2万 + the 1万 追加 of row 2, checked in memory
    assert rows[5][2] == ("衡财预〔2021〕1号 的年初预算 260000.00 元已记录在项目 P01（2021-01-15，当年财政拨款），"
                          "与本行（2021-02-01，当年财政拨款）不同")


def test_the_cli_prints_the_rows_and_one_error_line(bpt, sqlite_url, tmp_path):
    assert bpt("init", db=sqlite_url).returncode == 0
    assert bpt("dept", "add", "D01", "市直工委", "--year", "2021", db=sqlite_url).returncode == 0
    assert bpt("project", "add", "D01", "P01", "工会经费", "--year", "2021", db=sqlite_url).returncode == 0
    path = csv_file(tmp_path / "c.csv", [HEADER, ("P01", "", "记-1", "2021-03-01", "abc", "", "")])
    result = bpt("import", "payments", str(path), "--year", "2021", db=sqlite_url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "错误：金额：第 2 行：无法识别的金额“abc”（示例：26万、26.5万元、260000、260000.00）（共 1 行被拒绝，未记录任何内容）"]
    assert "第 2 行「金额」无法识别的金额“abc”" in result.stdout
    result = bpt("import", "payments", str(tmp_path / "none.xlsx"), "--year", "2021", db=sqlite_url)
    assert (result.returncode, result.stderr.strip()) == (2, f"错误：文件：找不到文件 {tmp_path / 'none.xlsx'}")
    history = bpt("history", "--year", "2021", "--json", db=sqlite_url)
    assert '"Paid"' not in history.stdout
