"""`bpt close`: the self-assessment as a domain event; gaps refused; versions kept; late corrections flagged.

Runs on SQLite and on the machine's PostgreSQL (``db_url`` is parametrised).
"""

from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, builtin_rubric
from bpt.domain.values import Target
from bpt.projections.store.eventlog import head
from bpt.projections.reports.body import build_report, content_hash, issued
from bpt.projections.reports.snapshots import close, only_adoptions
from tests.seed000 import DEPT, EXPECTED, OPERATOR, YEAR, open_seeded


@pytest.fixture
def seeded(db_url):
    handle = open_seeded(db_url)
    yield handle
    handle.close()


@pytest.fixture
def unexplained(db_url):
    handle = open_seeded(db_url, explain=False)
    yield handle
    handle.close()


def test_close_issues_a_snapshot_event_with_every_figure(seeded):
    done = close(seeded, DEPT, YEAR, operator=OPERATOR)
    [x] = issued(seeded, DEPT, YEAR)
    e = x.event
    assert (e.snapshot, e.version, e.position) == (done["snapshot"], 1, done["position"])
    assert e.position < x.position  # computed at a position before its own event
    assert (e.rubric, e.rubric_hash) == (DEFAULT_PROJECT_RUBRIC, builtin_rubric(DEFAULT_PROJECT_RUBRIC).content_hash)
    assert e.content_hash == content_hash(e.figures) == done["hash"]
    projects = {p["project"]: p for p in e.figures["projects"]}
    for code, expected in EXPECTED.items():
        for figure, value in expected.items():
            assert projects[code][figure] == value, (code, figure)
        assert len(projects[code]["indicators"]) in (9, 12)
    assert e.figures["department"]["adjusted_budget"] == "620000.00"
    assert e.figures["department"]["executed"] == "283800.00"
    assert e.figures["gaps"] == []
    # The rubric in force was recorded (with its text) before the figures' position.
    assert seeded.app.department(YEAR, DEPT).rubrics["project"]["hash"] == e.rubric_hash


def test_close_refuses_listing_every_gap_and_records_nothing(unexplained):
    before = head(unexplained)
    with pytest.raises(Refusal) as refused:
        close(unexplained, DEPT, YEAR, operator=OPERATOR)
    message = str(refused.value)
    assert refused.value.field == "自评"
    assert "2 处缺口" in message
    assert "P01 执行率 70.36% 低于 90%" in message and "P02 执行率 32.25% 低于 90%" in message
    assert "\n" not in message
    assert head(unexplained) == before  # not even the rubric adoption
    assert issued(unexplained, DEPT, YEAR) == []


def test_an_indicator_below_full_marks_needs_its_explanation(seeded):
    app = seeded.app
    code = app.add_indicator("P01", YEAR, level1="产出指标", level2="数量指标", name="慰问人次", target=Target.parse(">=40"),
                             unit="人次", weight=Decimal(0), operator=OPERATOR, on=date(YEAR, 1, 15))
    app.record_actual("P01", YEAR, code, value=Decimal(30), text="30", on=date(YEAR, 12, 31), operator=OPERATOR)
    # A 0-point indicator scores 0 = full marks: still closes.
    close(seeded, DEPT, YEAR, operator=OPERATOR)
    app.record_actual("P01", YEAR, "I02", value=Decimal("0.5"), text="0.5", on=date(YEAR, 12, 31), operator=OPERATOR)
    with pytest.raises(Refusal) as refused:
        close(seeded, DEPT, YEAR, operator=OPERATOR)
    assert "P01 I02（机关工会干部业务培训）得分 2.50 低于分值 5" in str(refused.value)
    app.explain_deviation("P01", YEAR, "I02", text="年底集中培训推迟到次年一月。", on=date(YEAR, 12, 31), operator=OPERATOR)
    assert close(seeded, DEPT, YEAR, operator=OPERATOR)["version"] == 2


def test_weights_must_add_up_to_the_rubric_total(seeded):
    seeded.app.add_indicator("P02", YEAR, level1="满意度指标", level2="服务对象满意度指标", name="群众满意度",
                             target=Target.parse(">=90%"), unit="%", weight=Decimal(5), operator=OPERATOR,
                             on=date(YEAR, 1, 15))
    with pytest.raises(Refusal) as refused:
        close(seeded, DEPT, YEAR, operator=OPERATOR)
    message = str(refused.value)
    assert "P02 指标分值合计 95 + 预算执行率 10 = 105，与评分规则 project-caiyu-2020-10 的总分 100 不一致" in message
    assert "P02 I13（群众满意度）得分 0.00 低于分值 5" in message  # no actual yet: also listed


def test_a_second_close_is_a_new_version_and_keeps_the_first(seeded):
    first = close(seeded, DEPT, YEAR, operator=OPERATOR)
    seeded.app.pay("P01", YEAR, Decimal("10000"), voucher="记-0103", on=date(YEAR, 12, 20), operator=OPERATOR)
    second = close(seeded, DEPT, YEAR, operator=OPERATOR)
    assert second["version"] == 2 and second["snapshot"] != first["snapshot"]
    versions = issued(seeded, DEPT, YEAR)
    assert [x.event.snapshot for x in versions] == [first["snapshot"], second["snapshot"]]
    old = build_report(seeded, DEPT, YEAR, snapshot=first["snapshot"])
    new = build_report(seeded, DEPT, YEAR)
    assert old["projects"][0]["executed"] == "154800.00" and new["projects"][0]["executed"] == "164800.00"
    assert new["snapshot"] == second["snapshot"] and new["version"] == 2
    # The payment came after the first close: a late correction flagged on it, not on the second.
    assert [e["voucher"] for e in old["late_events"]] == ["记-0103"]
    assert new["late_events"] == []
    # The rubric was adopted once: the second close found it already in force.
    adopted = [x for x in seeded.app.events.get(seeded.app.department(YEAR, DEPT).id)
               if type(x).__name__ == "RubricAdopted"]
    assert len(adopted) == 1


def test_the_body_stands_over_the_rubric_adoptions_only(seeded):
    """close computes the body before it adopts the rubrics; at the later head the body stands
    only when those adoptions are all that was recorded in between."""
    checked = head(seeded)
    assert only_adoptions(seeded, DEPT, YEAR, checked, checked)
    for rubric in (DEFAULT_PROJECT_RUBRIC, "dept-datonghu-2023"):
        assert seeded.app.adopt_rubric(DEPT, YEAR, builtin_rubric(rubric), operator=OPERATOR)
    assert only_adoptions(seeded, DEPT, YEAR, checked, head(seeded))
    seeded.app.pay("P01", YEAR, Decimal("10000"), voucher="记-0104", on=date(YEAR, 12, 20), operator=OPERATOR)
    assert not only_adoptions(seeded, DEPT, YEAR, checked, head(seeded))
    # An adoption of another department-year is another writer's event too.
    seeded.app.add_department(YEAR, "D99", "另一部门", operator=OPERATOR, on=date(YEAR, 1, 1))
    after_payment = head(seeded)
    seeded.app.adopt_rubric("D99", YEAR, builtin_rubric(DEFAULT_PROJECT_RUBRIC), operator=OPERATOR)
    assert not only_adoptions(seeded, DEPT, YEAR, after_payment, head(seeded))


def test_cli_close_prints_the_snapshot_id_and_refuses_in_one_line(bpt, db_url):
    handle = open_seeded(db_url, explain=False)
    try:
        refused = bpt("close", DEPT, "--year", str(YEAR), db=db_url)
        assert refused.returncode == 2
        assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("错误：自评：")
        handle.app.explain_deviation("P01", YEAR, "", text="说明一", on=date(YEAR, 12, 31), operator=OPERATOR)
        handle.app.explain_deviation("P02", YEAR, "", text="说明二", on=date(YEAR, 12, 31), operator=OPERATOR)
        done = bpt("close", DEPT, "--year", str(YEAR), "--dept-rubric", "dept-datonghu-2023", db=db_url)
        assert done.returncode == 0, done.stderr
        snapshot = done.stdout.splitlines()[0]
        [x] = issued(handle, DEPT, YEAR)
        assert x.event.snapshot == snapshot and x.event.operator == "测试员"
        assert x.event.figures["dept_rubric"]["name"] == "dept-datonghu-2023"
        assert x.event.figures["scoring"]["indicators"][0]["score"] == "7.00"  # 26 of 26 staff: full marks
    finally:
        handle.close()
