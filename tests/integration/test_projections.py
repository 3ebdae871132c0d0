"""The SQL views behind `bpt status`, the TUI and the reports, on SQLite and PostgreSQL.

Seed 000's department (tests/seed000.py) is the data: its figures are DOMAIN.md's.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.domain.money import fmt_score
from bpt.domain.rubric import builtin_rubric, score_project
from bpt.domain.values import BASIC_SPENDING, Target
from bpt.projections.store.database import Database
from bpt.projections.store.facts import project_facts
from bpt.projections.views.queries import Thresholds, department_rollups, indicator_rows, monthly_execution, project_rows
from bpt.projections.views.runner import catch_up, positions, rebuild
from bpt.projections.schema import init_database
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql
from bpt.projections.views.status import status
from bpt.projections.views import TRACKING
from tests.integration.test_projections_kill import dump
from tests.seed000 import DEPT, EXPECTED, OPERATOR, YEAR, open_seeded


@pytest.fixture
def seeded(db_url):
    bpt = open_seeded(db_url)
    yield bpt
    bpt.close()


def by_project(doc: dict) -> dict[str, dict]:
    return {r["project"]: r for r in doc["projects"]}


def test_status_as_of_gives_the_time_progress_and_warnings_of_that_date(seeded, bpt):
    july = by_project(json.loads(bpt("status", "--year", "2021", "--as-of", "2021-07-31", "--json",
                                     db=seeded.db.url).stdout))
    december = by_project(json.loads(bpt("status", "--year", "2021", "--as-of", "2021-12-31", "--json",
                                         db=seeded.db.url).stdout))
    # 31 July: 7/12 of the year gone; the 调减 (20 August) and the later payments not yet effective.
    assert {k: july["P01"][k] for k in ("adjusted_budget", "executed", "execution_rate", "time_progress", "warning")} \
        == {"adjusted_budget": "260000.00", "executed": "60000.00", "execution_rate": "0.2308",
            "time_progress": "0.5833", "warning": "red"}
    assert (july["P02"]["executed"], july["P02"]["execution_rate"], july["P02"]["warning"]) == \
        ("52000.00", "0.1300", "red")
    # No actual value is effective yet in July: the score is the execution score alone.
    assert (july["P01"]["execution_score"], july["P01"]["total_score"]) == ("2.31", "2.31")
    # 31 December: 70.36% of 100% is yellow (≥ 60%, < 80%), 32.25% is red; the seed's scores.
    assert december["P01"]["time_progress"] == "1.0000"
    assert (december["P01"]["warning"], december["P02"]["warning"]) == ("yellow", "red")
    for code, expected in EXPECTED.items():
        assert {k: december[code][k] for k in expected} == expected
        assert december[code]["kind"] == "项目支出"


def test_a_recorded_payment_is_in_the_next_status(seeded, bpt):
    url = seeded.db.url
    paid = bpt("pay", "P02", "1万", "--year", "2021", "--voucher", "记-0203", "--date", "2021-12-01", db=url)
    assert paid.returncode == 0, paid.stderr
    row = by_project(json.loads(bpt("status", "--year", "2021", "--as-of", "2021-12-31", "--json", db=url).stdout))
    assert (row["P02"]["executed"], row["P02"]["execution_rate"]) == ("139000.00", "0.3475")
    assert row["P02"]["total_score"] == "93.48"  # 3.48 for execution + 90 for the indicators
    assert {view: at for view, (at, head) in positions(seeded).items()} == dict.fromkeys(
        ("execution", "indicators", "scores"), seeded.app.recorder.max_notification_id())


def test_projections_verbs_show_positions_and_rebuild(seeded, bpt):
    url = seeded.db.url
    before = json.loads(bpt("projections", "status", "--json", db=url).stdout)
    assert before["head"] == seeded.app.recorder.max_notification_id()
    assert all(v["position"] == 0 and v["behind"] == before["head"] for v in before["views"])
    catch_up(seeded)
    live = dump(seeded)
    rebuilt = bpt("projections", "rebuild", db=url)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "已重建视图 execution、indicators、scores" in rebuilt.stdout
    assert dump(seeded) == live
    assert bpt("projections", "rebuild", "indicators", db=url).returncode == 0
    assert dump(seeded) == live
    after = json.loads(bpt("projections", "status", "--json", db=url).stdout)
    assert all(v["behind"] == 0 for v in after["views"])
    refused = bpt("projections", "rebuild", "budget", db=url)
    assert refused.returncode == 2
    assert refused.stderr.strip() == "错误：视图：没有视图“budget”（可选：execution、indicators、scores）"


def test_department_rollup_keeps_project_and_basic_spending_apart(seeded):
    app = seeded.app
    app.add_project(DEPT, YEAR, "B01", "人员经费", kind=BASIC_SPENDING, operator=OPERATOR, on=date(YEAR, 1, 1))
    app.approve("B01", YEAR, Decimal("3000000"), doc="衡财预〔2021〕1号", on=date(YEAR, 1, 15), operator=OPERATOR)
    app.pay("B01", YEAR, Decimal("2900000"), voucher="工资-12", on=date(YEAR, 12, 20), operator=OPERATOR)
    (dept,) = department_rollups(seeded, YEAR, date(YEAR, 12, 31))
    spending, basic, both = (dept["groups"][k] for k in ("项目支出", "基本支出", "合计"))
    assert (spending["projects"], spending["adjusted_budget"], spending["executed"]) == (2, "620000.00", "283800.00")
    assert (basic["projects"], basic["adjusted_budget"], basic["executed"], basic["warning"]) == \
        (1, "3000000.00", "2900000.00", "green")
    assert (both["adjusted_budget"], both["executed"], both["execution_rate"]) == ("3620000.00", "3183800.00", "0.8795")
    assert both["warnings"] == {"red": 1, "yellow": 1, "green": 1}
    # No department rubric adopted: Σ(budget × score) / Σ budget over the 项目支出 projects.
    assert dept["score"] == "94.58"  # (220000 × 97.04 + 400000 × 93.23) / 620000
    assert (dept["grade"], dept["staff_quota"]) == ("优", 26)
    basic_row = by_project({"projects": project_rows(seeded, YEAR, date(YEAR, 12, 31))})["B01"]
    assert (basic_row["total_score"], basic_row["grade"]) == (None, None)  # 基本支出 has no 自评表


def test_monthly_execution_accumulates_by_month(seeded):
    months = monthly_execution(seeded, YEAR, "P01")
    assert [m["month"] for m in months] == list(range(1, 13))
    executed = {m["month"]: m["executed"] for m in months}
    assert (executed[3], executed[4], executed[9], executed[10], executed[12]) == \
        ("0.00", "60000.00", "60000.00", "154800.00", "154800.00")
    assert (months[6]["adjusted_budget"], months[7]["adjusted_budget"]) == ("260000.00", "220000.00")
    assert (months[6]["time_progress"], months[11]["time_progress"]) == ("0.5833", "1.0000")
    with pytest.raises(Refusal, match="项目：未找到项目 P99"):
        monthly_execution(seeded, YEAR, "P99")


def test_indicator_facts_in_force_follow_the_effective_dates(seeded):
    """The actual value with the latest effective date; the last recorded revision and assessment —
    the same facts the self-assessment replays (projections/facts.py)."""
    app = seeded.app
    code = app.add_indicator("P01", YEAR, level1="产出指标", level2="数量指标", name="走访次数",
                             target=Target.parse(">=10"), unit="次", weight=Decimal(0), operator=OPERATOR,
                             on=date(YEAR, 1, 15))
    app.record_actual("P01", YEAR, code, value=Decimal(8), text="8", on=date(YEAR, 6, 30), operator=OPERATOR)
    app.record_actual("P01", YEAR, code, value=Decimal(5), text="5", on=date(YEAR, 3, 31), operator=OPERATOR)
    app.revise_target("P01", YEAR, code, Target.parse(">=6"), doc="改〔1〕", reason="调整", on=date(YEAR, 9, 1),
                      operator=OPERATOR)
    app.revise_target("P01", YEAR, code, Target.parse(">=12"), doc="改〔2〕", reason="更正", on=date(YEAR, 5, 1),
                      operator=OPERATOR)
    app.explain_deviation("P01", YEAR, code, text="年中走访受限", on=date(YEAR, 7, 1), operator=OPERATOR)
    for as_of, actual, target, deviation in ((date(YEAR, 4, 30), "5", ">=10", ""),
                                             (date(YEAR, 7, 31), "8", ">=12", "年中走访受限"),
                                             (date(YEAR, 12, 31), "8", ">=12", "年中走访受限")):
        row = {r["code"]: r for r in indicator_rows(seeded, YEAR, "P01", as_of)}[code]
        assert (row["actual"], row["target"], row["deviation"]) == (actual, target, deviation), as_of
        replayed = {f.code: f for f in project_facts(seeded, YEAR, "P01", as_of=as_of).indicators}[code]
        assert (str(replayed.actual), replayed.target_text) == (actual, target)


def test_adopting_a_rubric_rescores_the_department(seeded):
    catch_up(seeded)
    app = seeded.app
    cost_level = builtin_rubric("project-cost-level-2021")
    app.adopt_rubric(DEPT, YEAR, cost_level, operator=OPERATOR, on=date(YEAR, 12, 31))
    rows = {r["project"]: r for r in project_rows(seeded, YEAR, date(YEAR, 12, 31))}
    for code, row in rows.items():
        f = project_facts(seeded, YEAR, code)
        expected = score_project(cost_level, f.lines["adjusted_budget"], f.lines["executed"], f.indicators)
        assert (row["total_score"], row["grade"]) == (fmt_score(expected.total), expected.grade)
    live = dump(seeded)
    assert {row[1] for row in live["bpt_view_scores"]} == {cost_level.name}
    app.adopt_rubric(DEPT, YEAR, builtin_rubric("dept-datonghu-2023"), operator=OPERATOR, on=date(YEAR, 12, 31))
    (dept,) = department_rollups(seeded, YEAR, date(YEAR, 12, 31))
    assert dept["score_rule"] == "按部门整体评分规则 dept-datonghu-2023 计分"
    assert dept["score_complete"] is False  # manual items (行政效能 …) have no score yet
    rebuild(seeded)
    assert dump(seeded)["bpt_view_scores"] == live["bpt_view_scores"]


def test_thresholds_are_configurable(seeded, monkeypatch):
    year_end = date(YEAR, 12, 31)
    assert [r["warning"] for r in project_rows(seeded, YEAR, year_end)] == ["yellow", "red"]
    assert [r["warning"] for r in project_rows(seeded, YEAR, year_end, thresholds=Thresholds(Decimal("0.3"),
                                                                                            Decimal("0.7")))] \
        == ["green", "yellow"]
    monkeypatch.setenv("BPT_WARNING_RED_BELOW", "30%")
    assert [r["warning"] for r in status(seeded, YEAR, year_end)["projects"]] == ["yellow", "yellow"]
    with pytest.raises(Refusal, match="预警阈值"):
        Thresholds.parse("0.9", "0.8")


def test_catch_ups_racing_apply_every_event_once(seeded):
    handles = [Bpt(seeded.db.url) for _ in range(3)]
    errors: list[BaseException] = []

    def race(handle: Bpt, batch_size: int) -> None:
        try:
            catch_up(handle, batch_size)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=race, args=(h, n)) for h, n in zip(handles, (1, 3, 7), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    raced = dump(seeded)
    rebuild(seeded)
    assert dump(seeded) == raced
    for h in handles:
        h.close()


def test_views_missing_are_reported_not_created(db_url):
    Database(db_url).open_app(create_table=True).close()  # the event store alone, as before `bpt init`
    bpt = Bpt(db_url)
    with pytest.raises(Refusal, match="视图表尚未建立，请先运行 bpt init"):
        status(bpt, YEAR, date(YEAR, 12, 31))
    bpt.close()


def test_views_of_an_older_layout_are_rebuilt_by_init(seeded):
    catch_up(seeded)
    live = dump(seeded)
    with Sql(seeded.db) as sql:  # as if the indicator view's tables had been defined differently
        sql.run(f"UPDATE {TRACKING} SET schema = 'older' WHERE name = 'indicators'")
    with pytest.raises(Refusal, match="视图表结构已随版本更新，请运行 bpt init"):
        catch_up(seeded)
    init_database(seeded.db)
    at = {view: position for view, (position, _) in positions(seeded).items()}
    assert (at["indicators"], at["scores"]) == (0, 0) and at["execution"] > 0  # the execution view is kept
    catch_up(seeded)
    assert dump(seeded) == live
