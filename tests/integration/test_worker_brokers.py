"""The workers on the machine's real Redis and RabbitMQ, with PostgreSQL as the bpt database.

Each test has its own queue prefix and Redis namespace (``t<hex>``) and removes its queues and
keys afterwards. Redis is told to count a worker dead after 3 s without a heartbeat (a live
worker's consumers poll, and so heartbeat, about once a second) and to run queue maintenance
on every command, so a killed worker's message comes back within seconds.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from types import SimpleNamespace

import psycopg
import pytest
from dramatiq import Worker

from bpt.domain.ledger import project_id
from bpt.domain.project import ProjectYear
from bpt.projections.store.database import Database
from bpt.projections.demo.year import register_structure
from bpt.projections.store.job_log import JobLog
from bpt.projections.schema import init_database
from tests.conftest import REPO, run_bpt
from tests.integration.test_monitor import EXECUTED, EXPECTED_JULY, JULY, YEAR, record_year, warnings_by_project
from tests.services import require
from bpt.workers import jobs
from bpt.workers.actors import declare
from bpt.workers.broker import make_broker

BROKERS = {
    "redis": ("Redis", 6379, "redis://127.0.0.1:6379/0"),
    "rabbitmq": ("RabbitMQ", 5672, "amqp://guest:guest@127.0.0.1:5672/%2F"),
}
DEADLINE = 90  # seconds, for anything the tests wait on


def budget_rows() -> list[dict]:
    with open(REPO / "samples" / "budget_2021.csv", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@pytest.fixture(autouse=True)
def _close_job_handles():
    """Jobs run in this process keep a handle per database: close them with the test."""
    yield
    jobs.close_handles()


@pytest.fixture(params=sorted(BROKERS))
def real(request, monkeypatch):
    """A real broker with the actors declared under a unique prefix, and the env for worker processes."""
    service, port, url = BROKERS[request.param]
    require(service, "127.0.0.1", port)
    tag = f"t{uuid.uuid4().hex[:12]}"
    env = {"BPT_BROKER_URL": url, "BPT_QUEUE_PREFIX": tag, "BPT_REDIS_NAMESPACE": tag,
           "BPT_REDIS_HEARTBEAT_TIMEOUT": "3000", "BPT_REDIS_MAINTENANCE_CHANCE": "1000000"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    broker = make_broker(url)
    actors = declare(broker, prefix=tag)
    yield SimpleNamespace(kind=request.param, env=env, broker=broker, actors=actors)
    if request.param == "redis":
        for key in broker.client.scan_iter(match=f"{tag}:*"):
            broker.client.delete(key)
    else:
        for actor in actors.values():
            for name in (actor.queue_name, f"{actor.queue_name}.DQ", f"{actor.queue_name}.XQ"):
                broker.channel.queue_delete(name)
    broker.close()


@pytest.fixture
def pg_year(pg_url):
    app = record_year(pg_url, EXECUTED)
    yield pg_url, app
    app.close()


def wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {DEADLINE} s waiting for {what}")


def job_row(db_url: str, job_id: str) -> dict | None:
    with JobLog(Database(db_url)) as log:
        return log.get(job_id)


def warnings_in_store(pg_url: str) -> int:
    """WarningRaised events stored so far, counted with plain SQL (cheap enough to poll)."""
    with psycopg.connect(pg_url) as c:
        return c.execute("SELECT count(*) FROM bpt_events WHERE topic LIKE '%WarningRaised'").fetchone()[0]


def start_worker(env: dict, log_path) -> subprocess.Popen:
    """``bpt worker`` in its own process group (it execs the dramatiq master, which forks a worker)."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "bpt.tui", "worker", "--processes", "1", "--threads", "1"],
                                env={**os.environ, **env}, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop_worker(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture
def in_process_worker(real):
    worker = Worker(real.broker, worker_timeout=100, worker_threads=1)
    worker.start()
    yield worker
    worker.stop()


def test_each_effect_happens_once_when_a_message_is_delivered_twice(real, pg_year, in_process_worker, tmp_path):
    db_url, app = pg_year
    out = tmp_path / "reports"
    messages = {
        "monitor": real.actors["monitor"].message(db=db_url, year=YEAR, as_of=JULY, operator="作业"),
        "reports": real.actors["reports"].message(db=db_url, year=YEAR, out_dir=str(out), formats=["json", "docx"]),
        "catch_up": real.actors["catch_up"].message(db=db_url),
    }
    jobs_done = {}
    # One kind at a time: the actors have queues of their own, and a report written while the
    # monitor records its warnings would name a later position (the effects, not the order, are tested).
    for kind, message in messages.items():
        real.broker.enqueue(message)
        real.broker.enqueue(message)
        jobs_done[kind] = wait_for(lambda m=message: (row := job_row(db_url, m.message_id)) and row["attempts"] == 2
                                   and row["state"] == "done" and row, f"both deliveries of {kind}")
    # One worker thread: the second delivery of each ran after the first and found it done.
    assert jobs_done["monitor"]["result"]["raised"] == []
    assert len(jobs_done["monitor"]["result"]["already_raised"]) == len(EXPECTED_JULY)
    assert {code: [level for _, level in w] for code, w in warnings_by_project(app, EXECUTED).items()} == {
        code: [EXPECTED_JULY[code]] if code in EXPECTED_JULY else [] for code in EXECUTED}
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and sorted(jobs_done["reports"]["result"]["existing"]) == files
    assert jobs_done["reports"]["result"]["written"] == []
    assert jobs_done["catch_up"]["result"]["applied"] == 0


def test_an_import_delivered_twice_records_each_row_once(real, pg_url, in_process_worker):
    db = Database(pg_url)
    init_database(db)
    app = db.open_app()
    try:
        register_structure(app)
        message = real.actors["import"].message(db=pg_url, kind="budget", path=str(REPO / "samples" / "budget_2021.csv"),
                                                year=YEAR, operator="导入")
        real.broker.enqueue(message)
        real.broker.enqueue(message)
        job = wait_for(lambda: (row := job_row(pg_url, message.message_id)) and row["attempts"] == 2
                       and row["state"] == "done" and row, "both deliveries")
        assert (job["result"]["recorded"], job["result"]["skipped_duplicates"]) == (0, len(budget_rows()))
        approvals = [e for code in app.department(YEAR, "D01").projects for e in app.events.get(project_id(YEAR, code))
                     if isinstance(e, ProjectYear.Approved)]
        assert len(approvals) == sum(r["类型"] == "年初预算" for r in budget_rows())  # each approval row once
    finally:
        app.close()


def test_concurrent_duplicates_raise_each_warning_once(real, pg_url):
    codes = [f"P{i:02d}" for i in range(20)]
    app = record_year(pg_url, dict.fromkeys(codes, Decimal(0)))
    worker = Worker(real.broker, worker_timeout=100, worker_threads=4)
    worker.start()
    try:
        message = real.actors["monitor"].message(db=pg_url, year=YEAR, as_of=JULY, operator="作业")
        for _ in range(4):
            real.broker.enqueue(message)
        wait_for(lambda: (row := job_row(pg_url, message.message_id)) and row["attempts"] == 4, "four deliveries")
        worker.join()
        assert job_row(pg_url, message.message_id)["state"] == "done"
        assert all(w == [(JULY, "red")] for w in warnings_by_project(app, codes).values())
    finally:
        worker.stop()
        app.close()


def test_a_worker_killed_mid_job_completes_on_redelivery_without_duplicates(real, pg_url, tmp_path):
    n = 80
    app = record_year(pg_url, {f"P{i:03d}": Decimal(0) for i in range(n)})  # all lag: red at the end of July
    try:
        first = start_worker(real.env, tmp_path / "worker1.log")
        message = real.actors["monitor"].send(db=pg_url, year=YEAR, as_of=JULY, operator="作业")
        wait_for(lambda: warnings_in_store(pg_url) > 0, "the first warnings")
        # Freeze the job between two saves: the library takes an EXCLUSIVE lock on the events
        # table to insert, which waits behind this SHARE lock; then kill the worker mid-job.
        with psycopg.connect(pg_url) as freezer:
            freezer.execute("LOCK TABLE bpt_events IN SHARE MODE")
            before_kill = freezer.execute(
                "SELECT count(*) FROM bpt_events WHERE topic LIKE '%WarningRaised'").fetchone()[0]
            stop_worker(first, signal.SIGKILL)
            freezer.rollback()
        assert 0 < before_kill < n, "the job should have been killed part-way"
        assert job_row(pg_url, message.message_id)["state"] == "running"

        second = start_worker(real.env, tmp_path / "worker2.log")
        try:
            job = wait_for(lambda: (row := job_row(pg_url, message.message_id)) and row["state"] == "done" and row,
                           "the redelivered job")
        finally:
            stop_worker(second)
        assert job["attempts"] == 2
        assert len(job["result"]["raised"]) == n - before_kill
        assert len(job["result"]["already_raised"]) == before_kill
        warnings = warnings_by_project(app, [f"P{i:03d}" for i in range(n)])
        assert all(w == [(JULY, "red")] for w in warnings.values()), warnings
    finally:
        app.close()


def test_jobs_lists_queued_and_dead_letter_messages(real, pg_year, in_process_worker):
    db_url, _ = pg_year
    refused = real.actors["monitor"].send(db=db_url, year=YEAR, as_of="2021-02-30", operator="作业")
    queue = refused.queue_name

    def listing() -> dict:
        result = run_bpt("jobs", "--json", db=db_url, env=real.env)
        assert result.returncode == 0, result.stderr
        return {q["queue"]: q for q in json.loads(result.stdout)["queues"]}

    wait_for(lambda: listing()[queue]["dead"] == 1, "the refused job in the dead-letter queue")
    in_process_worker.stop()
    queued = real.actors["monitor"].send(db=db_url, year=YEAR, as_of=JULY, operator="作业")
    monitor_queue = wait_for(lambda: (q := listing()[queue])["queued"] == 1 and q, "the queued job")
    assert monitor_queue["dead"] == 1
    if real.kind == "redis":  # RabbitMQ reports counts only
        assert [d["id"] for d in monitor_queue["dead_jobs"]] == [refused.message_id]
        assert monitor_queue["dead_jobs"][0]["args"]["as_of"] == "2021-02-30"
        assert monitor_queue["dead_jobs"][0]["error"].startswith("截至日期")
    doc = json.loads(run_bpt("jobs", "--json", db=db_url, env=real.env).stdout)
    assert doc["mode"] == real.kind
    logged = {j["id"]: j for j in doc["jobs"]}
    assert logged[refused.message_id]["state"] == "failed"
    assert logged[refused.message_id]["error"].startswith("截至日期")
    assert queued.message_id not in logged  # no worker has started it
