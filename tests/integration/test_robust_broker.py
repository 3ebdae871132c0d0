"""The broker (Redis) crashes and comes back in the middle of the jobs (issue 8).

A Redis server of the test's own (free port, append-only file fsynced on every write, as the
deployment runs it: docker-compose.yml) feeds ``bpt worker``. While the worker is half-way
through one of a batch of 双监控 monitor jobs, Redis is killed (SIGKILL), kept down until that
job has finished without it, and started again on the same files. Every job must complete once Redis is back,
and each effect (one warning per project and as-of date) must exist exactly once. A job sent
while Redis is down fails at once, in the sender.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import redis

from tests.integration.test_monitor import YEAR, record_year, warnings_by_project
from tests.integration.test_robust_pg_restart import free_port
from tests.integration.test_worker_brokers import job_row, start_worker, stop_worker, wait_for, warnings_in_store
from tests.services import IN_CI
from bpt.workers import jobs
from bpt.workers.actors import declare
from bpt.workers.broker import make_broker

PROJECTS = [f"P{i:02d}" for i in range(15)]  # none has spent anything: every as-of date warns red
AS_OF = [(date(YEAR, 2, 1) + timedelta(days=d)).isoformat() for d in range(24)]


class PrivateRedis:
    def __init__(self):
        self.dir, self.port = Path(tempfile.mkdtemp(prefix="bpt-redis-")), free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "yes", "--appendfsync", "always"], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), "Redis to accept connections")

    def crash(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def remove(self) -> None:
        if self.process and self.process.poll() is None:
            self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pings(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def private_redis(monkeypatch):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server not installed") if IN_CI else pytest.skip("redis-server not installed")
    server = PrivateRedis()
    server.start()
    tag = f"t{uuid.uuid4().hex[:12]}"
    env = {"BPT_BROKER_URL": server.url, "BPT_QUEUE_PREFIX": tag, "BPT_REDIS_NAMESPACE": tag,
           "BPT_REDIS_HEARTBEAT_TIMEOUT": "3000", "BPT_REDIS_MAINTENANCE_CHANCE": "1000000"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        yield server, env
    finally:
        jobs.close_handles()
        server.remove()


def test_jobs_survive_a_redis_crash_and_each_effect_happens_once(private_redis, pg_url, tmp_path):
    server, env = private_redis
    app = record_year(pg_url, dict.fromkeys(PROJECTS, Decimal(0)))
    broker = make_broker(server.url)
    monitor = declare(broker, prefix=env["BPT_QUEUE_PREFIX"])["monitor"]
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        sent = [monitor.send(db=pg_url, year=YEAR, as_of=as_of, operator="作业").message_id for as_of in AS_OF]
        done = lambda: sum((row := job_row(pg_url, m)) is not None and row["state"] == "done" for m in sent)  # noqa: E731
        # A job is half-way when the warnings so far are not a whole number of jobs' worth.
        mid_job = lambda: warnings_in_store(pg_url) % len(PROJECTS) != 0 and done() < len(sent) - 4  # noqa: E731
        wait_for(mid_job, "the worker to be in the middle of a job")
        server.crash()
        done_at_crash = done()
        wait_for(lambda: warnings_in_store(pg_url) % len(PROJECTS) == 0, "the job in flight to finish without Redis")
        with pytest.raises(redis.ConnectionError):  # the sender learns at once; nothing is queued
            monitor.send(db=pg_url, year=YEAR, as_of="2021-12-01", operator="作业")
        server.start()
        wait_for(lambda: done() == len(sent), "every job after Redis came back")
    finally:
        stop_worker(worker)
    warnings = warnings_by_project(app, PROJECTS)
    effects = sum(len(w) for w in warnings.values())
    duplicates = sum(len(w) - len(set(w)) for w in warnings.values())
    attempts = sum(job_row(pg_url, m)["attempts"] for m in sent)
    print(f"\n[redis crash] jobs sent {len(sent)}, done {done()}, done when Redis died {done_at_crash}, "
          f"deliveries {attempts}, warnings {effects} (expected {len(sent) * len(PROJECTS)}), duplicates {duplicates}")
    assert all(w == [(as_of, "red") for as_of in AS_OF] for w in warnings.values()), warnings
    assert duplicates == 0 and effects == len(AS_OF) * len(PROJECTS)
    assert "2021-12-01" not in {as_of for w in warnings.values() for as_of, _ in w}
    app.close()
