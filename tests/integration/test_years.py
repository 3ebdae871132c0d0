"""`bpt year open` / `bpt indicator copy` / `bpt explain P carried_over`: years that follow each other.

The closed year is seed 000's (P01: approved 26万, 调减 4万, paid 15.48万 → balance 65200.00;
P02: 40万, paid 12.9万 → 271000.00). Runs on SQLite and on the machine's PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.values import BASIC_SPENDING, CARRIED, CURRENT
from bpt.domain.years import RULE_CARRY_BASIC, RULE_DEFAULT, DepartmentCarry, ProjectCarry, YearPlan
from bpt.projections.audit.explain import explain
from bpt.projections.reports.snapshots import close
from bpt.projections.reports.years import plan_year
from bpt.projections.store.eventlog import head, of_type
from bpt.projections.demo.year import build_demo
from bpt.projections.views.queries import project_rows, years_with_data
from tests.conftest import initialised
from tests.seed000 import DEPT, OPERATOR, YEAR, open_seeded

NEXT = YEAR + 1
DOC = "衡财预〔2022〕2号"
ON = date(NEXT, 1, 10)


@pytest.fixture
def seeded(db_url):
    handle = open_seeded(db_url)
    yield handle
    handle.close()


def carry_plan(year: int, dept: str, code: str, kind: str, balances: dict[str, Decimal], doc: str) -> YearPlan:
    """A plan carrying ``balances`` into an existing project, read "live" from year − 1 (which need
    not be in the store): for the property test and the decoding test."""
    project = ProjectCarry(code=code, name=f"项目{code}", kind=kind, balances=balances, carries=True, exists=True,
                           carried=None, carried_doc="")
    department = DepartmentCarry(code=dept, name=f"部门{dept}", staff_quota=None, staff_actual=None, rule=RULE_DEFAULT,
                                 carry_basic=False, snapshot="", position=0, from_live=True, exists=True,
                                 late_corrections=0, projects=[project])
    return YearPlan(year=year, from_year=year - 1, doc=doc, departments=[department])


def open_next(bpt, *, doc=DOC, update=False, **options):
    plan = plan_year(bpt, NEXT, YEAR, doc, **options)
    return plan, bpt.app.open_year(plan, on=ON, operator=OPERATOR, update=update)


def carried(bpt) -> dict[str, str]:
    return {r["project"]: r["carried_over"] for r in project_rows(bpt, NEXT, None)}


def test_open_carries_each_balance_read_from_the_closing_snapshot(seeded):
    closed = close(seeded, DEPT, YEAR, operator=OPERATOR)
    plan, recorded = open_next(seeded)
    assert recorded == {"P01": Decimal("65200.00"), "P02": Decimal("271000.00")}
    assert carried(seeded) == {"P01": "65200.00", "P02": "271000.00"}
    p01 = seeded.app.project(NEXT, "P01")
    assert p01.amounts["carried_over"] == {CARRIED: Decimal("65200.00")}  # by source: 上年结转资金 in 2022
    assert (p01.name, p01.kind, p01.dept) == ("市直机关工会工作经费", "项目支出", DEPT)
    [event] = [x.event for x in of_type(seeded, ProjectYear.CarriedForward) if x.event.originator_id == p01.id]
    assert (event.from_year, event.snapshot, event.position, event.from_live) == (YEAR, closed["snapshot"],
                                                                                  closed["position"], False)
    assert event.balances == {CURRENT: Decimal("65200.00")} and event.rule == RULE_DEFAULT
    dept = seeded.app.department(NEXT, DEPT)
    assert (dept.staff_quota, dept.staff_actual, dept.projects) == (26, 26, ["P01", "P02"])
    # A second run records nothing new.
    before = head(seeded)
    assert open_next(seeded)[1] == {}
    assert head(seeded) == before


def test_a_late_correction_is_recorded_only_as_the_difference_with_update(seeded):
    close(seeded, DEPT, YEAR, operator=OPERATOR)
    open_next(seeded)
    seeded.app.reverse("P01", YEAR, voucher="记-0102", reason="重复报销", operator=OPERATOR, on=date(YEAR, 12, 31))
    # Read from the snapshot the balance has not changed, but the late record is pointed out.
    plan, recorded = open_next(seeded)
    assert recorded == {} and plan.departments[0].late_corrections == 1
    close(seeded, DEPT, YEAR, operator=OPERATOR)  # version 2 includes the reversal
    plan, recorded = open_next(seeded)  # without --update: reported, not recorded
    p01 = next(p for p in plan.departments[0].projects if p.code == "P01")
    assert recorded == {} and (p01.carried, p01.to_carry) == (Decimal("65200.00"), Decimal("94800.00"))
    before = head(seeded)
    plan, recorded = open_next(seeded, doc="衡财预〔2022〕7号", update=True)
    assert recorded == {"P01": Decimal("94800.00")}
    assert head(seeded) == before + 1  # exactly one difference event
    assert carried(seeded)["P01"] == "160000.00"
    assert seeded.app.project(NEXT, "P01").carried(YEAR)["doc"] == DOC  # the year's opening document stays
    assert open_next(seeded, update=True)[1] == {}


def test_an_open_year_is_refused_without_from_live_and_marked_with_it(seeded):
    before = head(seeded)
    with pytest.raises(Refusal) as refused:
        open_next(seeded)
    assert refused.value.field == "--from-live" and head(seeded) == before
    plan, recorded = open_next(seeded, from_live=True)
    assert recorded["P01"] == Decimal("65200.00")
    [event, _] = [x.event for x in of_type(seeded, ProjectYear.CarriedForward)]
    assert (event.snapshot, event.from_live, event.position) == ("", True, before)


def test_basic_spending_is_taken_back_unless_the_department_carries_it(seeded):
    app = seeded.app
    app.add_project(DEPT, YEAR, "B01", "人员经费", kind=BASIC_SPENDING, operator=OPERATOR, on=date(YEAR, 1, 1))
    app.approve("B01", YEAR, Decimal("1000000"), doc="衡财预〔2021〕1号", on=date(YEAR, 1, 15), operator=OPERATOR)
    app.pay("B01", YEAR, Decimal("900000"), voucher="记-B1", on=date(YEAR, 3, 1), operator=OPERATOR)
    plan = plan_year(seeded, NEXT, YEAR, DOC, from_live=True)
    b01 = next(p for p in plan.departments[0].projects if p.code == "B01")
    assert (b01.balance, b01.carries, b01.to_carry) == (Decimal("100000.00"), False, 0)
    plan, recorded = open_next(seeded, from_live=True, carry_basic=(DEPT,))
    assert plan.departments[0].rule == RULE_CARRY_BASIC and recorded["B01"] == Decimal("100000.00")
    assert seeded.app.project(NEXT, "B01").kind == BASIC_SPENDING


def test_drop_leaves_a_project_out(seeded):
    plan, recorded = open_next(seeded, from_live=True, drop=("P02",))
    assert list(recorded) == ["P01"] and seeded.app.department(NEXT, DEPT).projects == ["P01"]


@pytest.mark.parametrize("options, field", [
    ({"year": 2023}, "NEXT"),
    ({"depts": ("D09",)}, "--dept"),
    ({"drop": ("P09",)}, "--drop"),
])
def test_bad_input_is_refused_and_records_nothing(seeded, options, field):
    before = head(seeded)
    options = dict(options)
    year = options.pop("year", NEXT)
    with pytest.raises(Refusal) as refused:
        plan_year(seeded, year, YEAR, DOC, from_live=True, **options)
    assert refused.value.field == field and head(seeded) == before


def test_explain_carried_over_reaches_back_into_the_closed_year(seeded):
    closed = close(seeded, DEPT, YEAR, operator=OPERATOR)
    open_next(seeded)
    doc = explain(seeded, NEXT, "P01", "carried_over")
    assert doc["value"] == "65200.00" and [e["type"] for e in doc["events"]] == ["CarriedForward"]
    [back] = doc["reaches_back"]
    assert (back["from_year"], back["snapshot"], back["balances"]) == (YEAR, closed["snapshot"], {CURRENT: "65200.00"})
    assert back["adjusted_budget"]["value"] == "220000.00" and back["executed"]["value"] == "154800.00"
    assert [e["type"] for e in back["adjusted_budget"]["events"]] == ["Approved", "Decreased"]
    assert [e["voucher"] for e in back["executed"]["events"]] == ["记-0101", "记-0102"]


def test_indicator_copy_declares_last_years_indicators_once(seeded):
    open_next(seeded, from_live=True)
    app = seeded.app
    copied = app.copy_indicators(YEAR, NEXT, ["P01"], on=ON, operator=OPERATOR)
    source, target = app.project(YEAR, "P01"), app.project(NEXT, "P01")
    assert len(copied["P01"]) == len(source.indicators) == len(target.indicators) == 9
    assert [(i["name"], i["target"], i["weight"]) for i in target.indicators.values()] == [
        (i["name"], i["target"], i["weight"]) for i in source.indicators.values()]
    assert target.indicators["I01"]["actuals"] == []  # targets only, nothing achieved yet
    assert app.copy_indicators(YEAR, NEXT, ["P01"], on=ON, operator=OPERATOR) == {}


def test_cli_refuses_in_one_line_and_records_nothing(sqlite_url, bpt):
    handle = open_seeded(sqlite_url)
    try:
        close(handle, DEPT, YEAR, operator=OPERATOR)
        before = head(handle)
        base = ("year", "open", "2022", "--from", "2021", "--doc", DOC, "--date", "2022-01-10")
        for args, field in ((("year", "open", "2023", "--from", "2021", "--doc", DOC, "--date", "2023-01-10"), "NEXT"),
                            ((*base, "--dept", "D09"), "--dept"),
                            ((*base[:6], "衡财预〔2022〕9号", *base[7:]), None)):
            if field is None:  # opened with one 文号, then again with another
                assert bpt(*base, db=sqlite_url).returncode == 0
                before = head(handle)
                field = "文号"
            done = bpt(*args, db=sqlite_url)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"错误：{field}："), done.stderr
            assert head(handle) == before
        shown = json.loads(bpt(*base, "--dry-run", "--json", db=sqlite_url).stdout)
        p01 = shown["departments"][0]["projects"][0]
        assert (p01["carried"], p01["carried_doc"], p01["difference"], shown["recorded"]) == ("65200.00", DOC, None, {})
        text = bpt("explain", "P01", "carried_over", "--year", "2022", db=sqlite_url).stdout
        assert "2021 年度全年预算数 = 220000.00" in text and "2021 年度全年执行数 = 154800.00" in text
        copied = json.loads(bpt("indicator", "copy", "--from", "2021", "--year", "2022", "--json", db=sqlite_url).stdout)
        assert {k: len(v) for k, v in copied["copied"].items()} == {"P01": 9, "P02": 12}
    finally:
        handle.close()


def test_the_demo_has_three_consecutive_years(db_url):
    handle = initialised(db_url)
    try:
        summary = build_demo(handle)
        assert summary["later_years"] == [2022, 2023] and years_with_data(handle) == [2021, 2022, 2023]
        rows = {y: {r["project"]: r for r in project_rows(handle, y, None)} for y in (2021, 2022, 2023)}
        assert "P07" in rows[2021] and "P07" not in rows[2022]  # the one-off 市十一运会经费 is dropped
        for year in (2022, 2023):
            for code, row in rows[year].items():
                last = rows[year - 1][code]
                balance = Decimal(last["adjusted_budget"]) - Decimal(last["executed"])
                expected = balance if row["kind"] != BASIC_SPENDING else Decimal(0)  # 基本支出 收回
                assert Decimal(row["carried_over"]) == expected, (year, code)
        assert rows[2022]["P01"]["carried_over"] == "65200.00"
        back = explain(handle, 2023, "P01", "carried_over")["reaches_back"][0]
        assert back["from_year"] == 2022 and back["from_live"] and back["executed"]["value"] == "299184.00"
        assert len(handle.app.project(2022, "P01").indicators) == len(handle.app.project(2021, "P01").indicators)
    finally:
        handle.close()
