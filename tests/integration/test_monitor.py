"""双监控 monitoring: each lagging project warned once per as-of date, on SQLite and PostgreSQL.

``record_year`` and ``warnings_by_project`` are shared with the worker tests.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.ledger import project_id
from bpt.domain.project import ProjectYear
from bpt.projections.store.database import Database
from bpt.projections.schema import init_database
from bpt.workers import jobs

YEAR = 2021
JULY = "2021-07-31"  # 序时进度 7/12: red below 35% executed, yellow below 46.67%
BUDGET = Decimal("100000")
# project → amount executed by the end of July
EXECUTED = {"P01": Decimal("10000"), "P02": Decimal("40000"), "P03": Decimal("50000"), "P04": Decimal("34999.99")}
EXPECTED_JULY = {"P01": "red", "P02": "yellow", "P04": "red"}


def record_year(db_url: str, executed: dict[str, Decimal], budget: Decimal = BUDGET, dept: str = "D01"):
    """An initialised database with one department whose projects each got ``budget`` in January
    and spent ``executed[code]`` in March. Returns the open application (keep it referenced)."""
    db = Database(db_url)
    init_database(db)
    app = db.open_app()
    app.add_department(YEAR, dept, "测试部门", operator="测试员", on=date(YEAR, 1, 1))
    for code, spent in executed.items():
        app.add_project(dept, YEAR, code, f"项目{code}", operator="测试员", on=date(YEAR, 1, 1))
        app.approve(code, YEAR, budget, doc="财预〔2021〕1号", on=date(YEAR, 1, 10), operator="测试员")
        if spent:
            app.pay(code, YEAR, spent, voucher=f"V-{code}", on=date(YEAR, 3, 1), operator="测试员")
    return app


def warnings_by_project(app, codes) -> dict[str, list[tuple[str, str]]]:
    """Every WarningRaised event of each project, as (as-of date, level), read from the event store."""
    return {code: [(e.as_of.isoformat(), e.level) for e in app.events.get(project_id(YEAR, code))
                   if isinstance(e, ProjectYear.WarningRaised)]
            for code in codes}


@pytest.fixture(autouse=True)
def _close_job_handles():
    """Jobs run in this process keep a handle per database: close them with the test."""
    yield
    jobs.close_handles()


@pytest.fixture
def recorded(db_url):
    app = record_year(db_url, EXECUTED)
    yield db_url, app
    app.close()


def _monitor(bpt, db_url, as_of) -> dict:
    result = bpt("monitor", "--year", str(YEAR), "--as-of", as_of, "--json", db=db_url, env={"BPT_BROKER_URL": ""})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_monitor_twice_at_the_same_date_warns_each_lagging_project_once(bpt, recorded):
    db_url, app = recorded
    first = _monitor(bpt, db_url, JULY)
    assert {e["project"]: e["level"] for e in first["raised"]} == EXPECTED_JULY
    assert first["already_raised"] == []
    assert first["time_progress"] == "0.5833"
    p02 = next(e for e in first["raised"] if e["project"] == "P02")
    assert (p02["execution_rate"], p02["executed"], p02["adjusted_budget"]) == ("0.4000", "40000.00", "100000.00")

    second = _monitor(bpt, db_url, JULY)
    assert second["raised"] == []
    assert {e["project"]: e["level"] for e in second["already_raised"]} == EXPECTED_JULY

    recorded_warnings = warnings_by_project(app, EXECUTED)
    assert recorded_warnings == {code: ([(JULY, EXPECTED_JULY[code])] if code in EXPECTED_JULY else [])
                                 for code in EXECUTED}


def test_a_later_date_warns_again_with_its_own_progress(bpt, recorded):
    db_url, app = recorded
    _monitor(bpt, db_url, JULY)
    # End of the year: 序时进度 1, so red below 60%, yellow below 80% — every project lags.
    december = _monitor(bpt, db_url, "2021-12-31")
    assert {e["project"]: e["level"] for e in december["raised"]} == {"P01": "red", "P02": "red", "P03": "red",
                                                                      "P04": "red"}
    assert warnings_by_project(app, ["P03"]) == {"P03": [("2021-12-31", "red")]}
    event = next(e for e in app.events.get(project_id(YEAR, "P02")) if isinstance(e, ProjectYear.WarningRaised)
                 and e.as_of == date(YEAR, 12, 31))
    assert event.execution_rate == Decimal("0.4") and event.time_progress == Decimal(1)
    assert event.effective_date == date(YEAR, 12, 31) and event.operator == "测试员"


def test_monitor_job_run_twice_raises_each_warning_once(recorded):
    db_url, app = recorded
    args = {"db": db_url, "year": YEAR, "as_of": JULY, "operator": "作业"}
    first = jobs.run("monitor", args)
    second = jobs.run("monitor", args)
    assert sorted(e["project"] for e in first["raised"]) == sorted(EXPECTED_JULY)
    assert second["raised"] == [] and len(second["already_raised"]) == len(EXPECTED_JULY)
    assert all(len(w) == (code in EXPECTED_JULY) for code, w in warnings_by_project(app, EXECUTED).items())


def test_monitor_refuses_a_bad_date_and_records_nothing(bpt, recorded):
    db_url, app = recorded
    result = bpt("monitor", "--year", str(YEAR), "--as-of", "2021-02-30", db=db_url)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("错误：截至日期")
    assert all(w == [] for w in warnings_by_project(app, EXECUTED).values())


def test_embedded_mode_needs_no_broker_monitor_and_report_on_sqlite_alone(bpt, sqlite_url, tmp_path):
    app = record_year(sqlite_url, EXECUTED)
    try:
        no_broker = {"BPT_BROKER_URL": ""}
        monitored = bpt("monitor", "--year", str(YEAR), "--as-of", JULY, "--json", db=sqlite_url, env=no_broker)
        assert monitored.returncode == 0, monitored.stderr
        assert len(json.loads(monitored.stdout)["raised"]) == len(EXPECTED_JULY)

        report = bpt("report", "D01", "--year", str(YEAR), "--format", "json", db=sqlite_url, env=no_broker)
        assert report.returncode == 0, report.stderr
        doc = json.loads(report.stdout)
        assert doc["dept"] == "D01" and doc["snapshot"] is None
        assert sorted(p["project"] for p in doc["projects"]) == sorted(EXECUTED)

        # A job sent without a broker runs in the command itself.
        sent = bpt("jobs", "send", "monitor", "--year", str(YEAR), "--as-of", "2021-08-31", "--json",
                   db=sqlite_url, env=no_broker)
        assert sent.returncode == 0, sent.stderr
        sent_doc = json.loads(sent.stdout)
        assert sent_doc["mode"] == "embedded" and sent_doc["state"] == "done"
        listed = json.loads(bpt("jobs", "--json", db=sqlite_url, env=no_broker).stdout)
        assert listed["mode"] == "embedded" and listed["queues"] == []
        assert [(j["id"], j["kind"], j["state"]) for j in listed["jobs"]] == [(sent_doc["job"], "monitor", "done")]
    finally:
        app.close()
