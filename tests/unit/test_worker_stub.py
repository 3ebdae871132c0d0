"""The actors on dramatiq's StubBroker with an in-process Worker (dramatiq's documented recipe),
on a real SQLite file: duplicates are harmless, refusals are final, the job log follows."""

from __future__ import annotations

import json
import re

import pytest
from dramatiq import Worker

from bpt.domain.ledger import project_id
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.projections.store.database import Database
from bpt.projections.demo.year import register_structure
from bpt.projections.store.job_log import JobLog
from bpt.projections.schema import init_database
from tests.conftest import REPO
from tests.integration.test_monitor import EXECUTED, EXPECTED_JULY, JULY, YEAR, record_year, warnings_by_project
from bpt.workers import actors as actors_module
from bpt.workers import jobs
from bpt.workers.actors import declare, worker_command
from bpt.workers.broker import display_url, kind_of, make_broker

SAMPLES = REPO / "samples"


@pytest.fixture(autouse=True)
def _close_job_handles():
    """Jobs run in this process keep a handle per database: close them with the test."""
    yield
    jobs.close_handles()


@pytest.fixture
def stub():
    broker = make_broker(None)
    declared = declare(broker, prefix="unit")
    # One thread: two deliveries of a message run one after the other (concurrent duplicates
    # are exercised on the real brokers).
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    yield broker, declared, worker
    worker.stop()
    broker.close()


@pytest.fixture
def recorded(sqlite_url):
    app = record_year(sqlite_url, EXECUTED)
    yield sqlite_url, app
    app.close()


def _job(db_url: str, job_id: str) -> dict:
    with JobLog(Database(db_url)) as log:
        return log.get(job_id)


def test_a_message_delivered_twice_raises_each_warning_once(stub, recorded):
    broker, declared, worker = stub
    db_url, app = recorded
    message = declared["monitor"].message(db=db_url, year=YEAR, as_of=JULY, operator="作业")
    broker.enqueue(message)
    broker.enqueue(message)  # the same message again: what a redelivery looks like
    broker.join(message.queue_name)
    worker.join()
    assert {code: [level for _, level in w] for code, w in warnings_by_project(app, EXECUTED).items()} == {
        code: [EXPECTED_JULY[code]] if code in EXPECTED_JULY else [] for code in EXECUTED}
    job = _job(db_url, message.message_id)
    assert (job["kind"], job["state"], job["attempts"]) == ("monitor", "done", 2)
    assert (job["done"], job["total"]) == (len(EXECUTED), len(EXECUTED))


def test_reports_and_catch_up_delivered_twice_do_their_work_once(stub, recorded, tmp_path):
    broker, declared, worker = stub
    db_url, _ = recorded
    out = tmp_path / "reports"
    reports = declared["reports"].message(db=db_url, year=YEAR, out_dir=str(out), formats=["json", "xlsx"])
    catch_up = declared["catch_up"].message(db=db_url)
    for message in (catch_up, catch_up, reports, reports):
        broker.enqueue(message)
    broker.join(catch_up.queue_name)
    broker.join(reports.queue_name)
    worker.join()

    files = sorted(p.name for p in out.iterdir())  # no temporary file left behind either
    assert len(files) == 2 and all(re.fullmatch(r"2021-D01-live-p\d+\.(json|xlsx)", f) for f in files), files
    report_job = _job(db_url, reports.message_id)
    assert (report_job["state"], report_job["attempts"]) == ("done", 2)
    assert report_job["result"]["written"] == [] and sorted(report_job["result"]["existing"]) == files
    catch_up_job = _job(db_url, catch_up.message_id)
    assert (catch_up_job["state"], catch_up_job["attempts"], catch_up_job["result"]["applied"]) == ("done", 2, 0)
    assert json.loads((out / files[0]).read_text())["dept"] == "D01"


def test_imports_delivered_twice_record_each_row_once(stub, sqlite_url):
    broker, declared, worker = stub
    db = Database(sqlite_url)
    init_database(db)
    app = db.open_app()
    try:
        register_structure(app)
        messages = [declared["import"].message(db=sqlite_url, kind=kind, path=str(SAMPLES / name), year=YEAR,
                                               operator="导入")
                    for kind, name in (("budget", "budget_2021.csv"), ("payments", "payments_2021.xlsx"))]
        for message in messages:  # one thread, one queue: budget, budget, payments, payments
            broker.enqueue(message)
            broker.enqueue(message)
        broker.join(messages[0].queue_name)
        worker.join()
        budget, payments = (_job(sqlite_url, m.message_id) for m in messages)
        assert (budget["state"], budget["attempts"], payments["state"], payments["attempts"]) == ("done", 2, "done", 2)
        # The second delivery of each found every row recorded by the first.
        assert budget["result"]["recorded"] == payments["result"]["recorded"] == 0
        assert budget["result"]["skipped_duplicates"] == 21 and payments["result"]["skipped_duplicates"] == 293
        paid = [e for code in app.departments(YEAR) for p in app.department(YEAR, code).projects
                for e in app.events.get(project_id(YEAR, p)) if isinstance(e, ProjectYear.Paid)]
        assert len(paid) == 293 and len({(e.originator_id, e.voucher) for e in paid}) == 293
    finally:
        app.close()


def test_a_refused_job_is_dead_lettered_at_once_and_logged(stub, recorded):
    broker, declared, worker = stub
    db_url, app = recorded
    message = declared["monitor"].send(db=db_url, year=YEAR, as_of="2021-13-01", operator="作业")
    broker.join(message.queue_name, fail_fast=False)
    worker.join()
    assert [m.message_id for m in broker.dead_letters] == [message.message_id]
    job = _job(db_url, message.message_id)
    assert (job["state"], job["attempts"]) == ("failed", 1)
    assert job["error"].startswith("截至日期")
    assert all(w == [] for w in warnings_by_project(app, EXECUTED).values())


def test_an_import_with_a_refused_row_fails_records_nothing_and_is_not_retried(stub, recorded, tmp_path):
    broker, declared, worker = stub
    db_url, app = recorded
    ledger = tmp_path / "payments.csv"
    ledger.write_text("项目编号,凭证号,日期,金额,资金来源,摘要\n"
                      "P01,V-9,2021-03-02,1000.00,当年财政拨款,办公用品\n"
                      "P02,V-10,2021-03-02,abc,当年财政拨款,培训\n", encoding="utf-8")
    message = declared["import"].send(db=db_url, kind="payments", path=str(ledger), year=YEAR, operator="导入")
    broker.join(message.queue_name, fail_fast=False)
    worker.join()
    assert [m.message_id for m in broker.dead_letters] == [message.message_id]
    job = _job(db_url, message.message_id)
    assert (job["state"], job["attempts"]) == ("failed", 1)
    assert job["error"].startswith("导入：") and "第 3 行" in job["error"] and "金额" in job["error"]
    assert [e.voucher for e in app.events.get(project_id(YEAR, "P01")) if isinstance(e, ProjectYear.Paid)] == ["V-P01"]


def test_unknown_job_arguments_are_refused_not_retried(stub, recorded):
    broker, declared, worker = stub
    db_url, _ = recorded
    message = declared["monitor"].send(db=db_url, year=YEAR, as_of=JULY, operator="作业", colour="red")
    broker.join(message.queue_name, fail_fast=False)
    worker.join()
    assert [m.message_id for m in broker.dead_letters] == [message.message_id]
    assert _job(db_url, message.message_id) is None  # refused before it started


def test_send_without_a_broker_runs_the_job_in_process(recorded, monkeypatch):
    db_url, app = recorded
    monkeypatch.delenv("BPT_BROKER_URL", raising=False)
    done = actors_module.send("monitor", Database(db_url), year=YEAR, as_of=JULY, operator="嵌入")
    assert (done["mode"], done["state"]) == ("embedded", "done")
    assert sorted(e["project"] for e in done["raised"]) == sorted(EXPECTED_JULY)
    assert _job(db_url, done["job"])["state"] == "done"
    with pytest.raises(Refusal, match="作业"):
        actors_module.send("audit", Database(db_url))


def test_broker_selection_and_worker_command(monkeypatch):
    assert kind_of(None) == "embedded"
    assert kind_of("redis://127.0.0.1:6379/3") == "redis"
    assert kind_of("amqp://guest:guest@127.0.0.1:5672") == "rabbitmq"
    with pytest.raises(Refusal, match="BPT_BROKER_URL"):
        kind_of("http://127.0.0.1")
    assert display_url("amqp://guest:secret@mq:5672/") == "amqp://guest:***@mq:5672/"
    monkeypatch.setenv("BPT_QUEUE_PREFIX", "prod")
    command = worker_command(2, 3, ["monitor", "reports"])
    assert command[1:] == ["-m", "dramatiq", "bpt.workers.actors:broker", "--processes", "2", "--threads", "3",
                           "--queues", "prod.monitor", "prod.reports"]
    with pytest.raises(Refusal, match="--queues"):
        worker_command(1, 1, ["nightly"])
