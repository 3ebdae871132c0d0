"""The sample files (samples/) import into the demo's department on both storages, and importing
them twice gives the same state as importing them once."""

import csv
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from bpt.domain.refusal import Refusal
from bpt.projections.demo.year import PROJECTS, budget_rows, payments, register_structure
from bpt.projections.imports import import_file
from bpt.projections.audit.integrity import check_chains
from bpt.projections.store.service import Bpt
from tests.conftest import REPO, initialised

# The demo's rows: 14 unclassified approvals and adjustments plus B02's approval by 经济分类 (8 rows
# for one); 57 payment dates, B01's and B02's paid as one payment per 经济分类 款.
BUDGET_ROWS, PAYMENTS = len(budget_rows()), len(payments())

SAMPLES = REPO / "samples"
FILES = (("budget", SAMPLES / "budget_2021.csv"), ("targets", SAMPLES / "targets_2021.xlsx"),
         ("payments", SAMPLES / "payments_2021.xlsx"))
Y = 2021
OP = "导入员"


@pytest.fixture
def handle(db_url):
    """An initialised database holding the demo's department and projects, nothing else."""
    bpt = initialised(db_url)
    register_structure(bpt.app, OP)
    yield bpt
    bpt.close()


def state(bpt: Bpt) -> dict:
    app = bpt.app
    return {p.code: (app.project(Y, p.code).figures(), app.project(Y, p.code).indicators,
                     app.project(Y, p.code).payments) for p in PROJECTS}


def import_all(bpt: Bpt, dry_run: bool = False) -> list:
    return [import_file(bpt, kind, path, Y, dry_run=dry_run, operator=OP) for kind, path in FILES]


def test_importing_the_samples_twice_gives_the_same_state_as_once(handle):
    first = import_all(handle)
    assert [r.refused for r in first] == [[], [], []]
    assert [r.recorded for r in first] == [BUDGET_ROWS, 21, PAYMENTS]
    head, once = handle.app.recorder.max_notification_id(), state(handle)
    figures = {code: f for code, (f, _, _) in once.items()}
    assert (figures["P01"]["adjusted_budget"], figures["P01"]["executed"]) == (Decimal("220000"), Decimal("154800"))
    assert (figures["P02"]["adjusted_budget"], figures["P02"]["executed"]) == (Decimal("400000"), Decimal("129000"))
    assert sum(f["initial_budget"] for c, f in figures.items() if c.startswith("P")) == Decimal("900000")
    assert sum(f["executed"] for c, f in figures.items() if c.startswith("P")) == Decimal("801000")

    second = import_all(handle)
    assert [(r.recorded, r.skipped_duplicates, r.refused) for r in second] == [
        (0, BUDGET_ROWS, []), (0, 21, []), (0, PAYMENTS, [])]
    assert handle.app.recorder.max_notification_id() == head
    assert state(handle) == once
    assert check_chains(handle) == []


def test_a_dry_run_lists_what_it_would_record_and_records_nothing(handle):
    head = handle.app.recorder.max_notification_id()
    budget, targets, payments = import_all(handle, dry_run=True)
    assert handle.app.recorder.max_notification_id() == head
    assert budget.recorded == BUDGET_ROWS
    assert budget.planned[0] == (2, "P01 年初预算 260000.00 元（衡财预〔2021〕1号，2021-01-15）")
    assert "试运行" in budget.summary[-1] and "年初预算 15 行（合计 5394200.00 元）" in budget.summary[-1]
    assert targets.recorded == 21 and len(targets.planned) == 21
    # Without the budget recorded, every payment of the dry run is refused, with its row.
    assert payments.recorded == 0 and len(payments.refused) == PAYMENTS
    row, column, reason = payments.refused[0]
    assert (row, column) == (3, "金额") and "可用额度 0.00" in reason


def test_targets_without_a_weight_column_spread_the_rubric_level_weights(handle):
    import_file(handle, "budget", SAMPLES / "budget_2021.csv", Y, dry_run=False, operator=OP)
    result = import_file(handle, "targets", SAMPLES / "targets_2021.xlsx", Y, dry_run=False, operator=OP)
    assert any("没有“分值”列" in line and "产出指标 50 分 ÷ 6 项" in line for line in result.summary)
    assert any("部门整体支出绩效目标申报表，未导入" in line for line in result.summary)
    assert any("资金总额 400000.00 元（与年初预算一致）" in line for line in result.summary)
    indicators = handle.app.project(Y, "P01").indicators
    by_level: dict[str, list[Decimal]] = {}
    for i in indicators.values():
        by_level.setdefault(i["level1"], []).append(i["weight"])
    assert {k: sum(v) for k, v in by_level.items()} == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert sorted(by_level["产出指标"]) == [Decimal("8.33")] * 4 + [Decimal("8.34")] * 2
    cost = next(i for i in indicators.values() if i["name"] == "总成本")
    assert cost["target"] == {"comparison": "<=", "value": Decimal("260000"), "text": "26.00万元"}
    assert cost["unit"] == "元"
    training = next(i for i in indicators.values() if i["name"] == "机关工会干部业务培训" and i["level2"] == "数量指标")
    assert (training["target"]["comparison"], training["target"]["value"], training["unit"]) == (">=", 1, "次")


def test_targets_with_a_project_code_and_weight_column(handle, tmp_path):
    wb = Workbook()
    ws = wb.active
    for row in (("项目绩效目标申报表",), ("项目名称", "妇委会活动经费"), ("项目编号", "P06"), ("金额单位：元",),
                ("一级指标", "二级指标", "三级指标", "年度指标值", "分值", "计量单位"),
                ("产出指标", "数量指标", "女干部职工教育培训", "2", "40", "次"),
                ("产出", "成本指标", "活动成本", "20000", "10", "元"),
                (None, None, "（空行之后仍读取）", None, None, None),
                ("满意度指标", "服务对象满意度指标", "满意度", "95%以上", "40", "")):
        ws.append(row)
    wb.save(tmp_path / "p06.xlsx")
    result = import_file(handle, "targets", tmp_path / "p06.xlsx", Y, dry_run=False, operator=OP)
    assert result.refused == [(8, "指标值", "不能为空")]
    ws.delete_rows(8)
    wb.save(tmp_path / "p06.xlsx")
    result = import_file(handle, "targets", tmp_path / "p06.xlsx", Y, dry_run=False, operator=OP)
    assert result.refused == [] and result.recorded == 3
    assert "分值：取自申报表的“分值”列" in result.summary
    indicators = list(handle.app.project(Y, "P06").indicators.values())
    assert [(i["level1"], i["weight"], i["target"]["comparison"], i["target"]["value"], i["unit"]) for i in indicators] == [
        ("产出指标", 40, "=", 2, "次"), ("产出指标", 10, "<=", 20000, "元"), ("满意度指标", 40, ">=", Decimal("0.95"), "%")]


def test_a_targets_form_for_an_unknown_project_is_refused(handle, tmp_path):
    wb = Workbook()
    ws = wb.active
    for row in (("项目名称", "不存在的项目"), ("一级指标", "二级指标", "三级指标", "指标值"),
                ("产出指标", "数量指标", "培训", "2次")):
        ws.append(row)
    wb.save(tmp_path / "x.xlsx")
    head = handle.app.recorder.max_notification_id()
    result = import_file(handle, "targets", tmp_path / "x.xlsx", Y, dry_run=False, operator=OP)
    assert result.refused == [(1, "项目名称", "未找到名为“不存在的项目”的项目（2021 年度）；请先登记项目（bpt project add），"
                                           "或在申报表中加一行“项目编号”")]
    assert handle.app.recorder.max_notification_id() == head


def test_unknown_import_kind_is_refused(handle):
    with pytest.raises(Refusal) as e:
        import_file(handle, "salaries", SAMPLES / "budget_2021.csv", Y, dry_run=False, operator=OP)
    assert e.value.field == "导入类型"


def test_the_committed_samples_are_what_make_samples_writes(tmp_path):
    from samples.make_samples import main

    main(tmp_path)
    assert (tmp_path / "budget_2021.csv").read_bytes() == (SAMPLES / "budget_2021.csv").read_bytes()
    for name in ("targets_2021.xlsx", "payments_2021.xlsx"):
        fresh, committed = load_workbook(tmp_path / name), load_workbook(SAMPLES / name)
        assert fresh.sheetnames == committed.sheetnames, name
        for a, b in zip(fresh.worksheets, committed.worksheets, strict=True):
            assert list(a.values) == list(b.values), (name, a.title)
            assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
    with open(SAMPLES / "budget_2021.csv", encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[:4] == ["项目编号", "项目名称", "类型", "金额"]
