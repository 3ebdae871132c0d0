"""Secrets never leave the environment (issue 25): a password in the database URL appears in no
output, no error, no job log row, no `bpt jobs` listing and no broker message; the reviewer
cannot read job arguments; on PostgreSQL the operator is never guessed from the OS account.

The machine's PostgreSQL trusts local logins, so any password in the URL connects: what is
tested is where the password goes, not that it is checked.
"""

from __future__ import annotations

import json
import os
import uuid

import psycopg
import pytest

from bpt.projections.store.database import Database, with_configured_credentials
from bpt.projections.store.job_log import JobLog
from bpt.workers import jobs
from tests.integration.test_security import login_role, _as, _refused
from tests.seed000 import YEAR, open_seeded
from tests.services import require

SECRET = "Zz-s3cr3t-" + uuid.uuid4().hex[:8]


def _with_password(url: str) -> str:
    return url.replace("@", f":{SECRET}@", 1)


def test_public_url_drops_only_the_password():
    assert Database("postgresql://wang:pw@db.example:6543/bpt").public_url == "postgresql://wang@db.example:6543/bpt"
    assert Database("postgresql://wang@db.example/bpt").public_url == "postgresql://wang@db.example/bpt"
    assert Database("/tmp/x/bpt.db").public_url == "/tmp/x/bpt.db"


def test_a_worker_supplies_its_own_credentials(monkeypatch):
    own = "postgresql://wang:pw@db.example:6543/bpt"
    monkeypatch.setenv("BPT_DATABASE_URL", own)
    assert with_configured_credentials("postgresql://wang@db.example:6543/bpt") == own
    assert with_configured_credentials("postgresql://li@db.example:6543/bpt") == "postgresql://li@db.example:6543/bpt"


def test_no_output_or_error_carries_the_password(pg_url, bpt):
    url = _with_password(pg_url)
    outputs = [bpt("status", "--year", str(YEAR), db=url)]  # not initialised yet: an error naming the database
    assert outputs[0].returncode == 3 and "尚未初始化" in outputs[0].stderr  # 3: the database is not there yet (CLI.md exit codes)
    outputs.append(bpt("init", db=url))
    assert outputs[-1].returncode == 0 and "数据库已就绪" in outputs[-1].stdout
    outputs.append(bpt("status", "--db", url.rsplit("/", 1)[0] + "/"))  # no database name
    assert outputs[-1].returncode == 2
    outputs.append(bpt("pay", "P404", "1", "--year", str(YEAR), "--voucher", "v", "--date", f"{YEAR}-01-02", db=url))
    assert outputs[-1].returncode == 2
    outputs.append(bpt("jobs", "send", "monitor", "--year", str(YEAR), "--as-of", f"{YEAR}-07-31", "--json", db=url,
                       env={"BPT_BROKER_URL": ""}))
    assert outputs[-1].returncode == 0, outputs[-1].stderr  # embedded: the job ran with the sender's credentials
    outputs.append(bpt("jobs", "--json", db=url, env={"BPT_BROKER_URL": ""}))
    listed = json.loads(outputs[-1].stdout)["jobs"]
    assert listed and listed[0]["args"]["db"] == Database(url).public_url
    for done in outputs:
        assert SECRET not in done.stdout + done.stderr
    with psycopg.connect(pg_url) as conn:
        assert all(SECRET not in args for (args,) in conn.execute("SELECT args FROM bpt_jobs"))


def test_the_broker_message_carries_no_password(pg_url, bpt):
    require("Redis", "127.0.0.1", 6379)
    import redis

    open_seeded(pg_url).close()
    tag = f"t{uuid.uuid4().hex[:12]}"
    env = {"BPT_BROKER_URL": "redis://127.0.0.1:6379/0", "BPT_QUEUE_PREFIX": tag, "BPT_REDIS_NAMESPACE": tag}
    client = redis.Redis(host="127.0.0.1", port=6379, db=0)
    try:
        sent = bpt("jobs", "send", "monitor", "--year", str(YEAR), "--as-of", f"{YEAR}-07-31", "--json",
                   db=_with_password(pg_url), env=env)
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["mode"] == "queued"
        stored = b""
        keys = list(client.scan_iter(match=f"{tag}:*"))
        for key in keys:
            kind = client.type(key)
            if kind == b"hash":
                stored += b"".join(client.hvals(key))
            elif kind == b"list":
                stored += b"".join(client.lrange(key, 0, -1))
        assert Database(pg_url).public_url.encode() in stored  # the message names the database…
        assert SECRET.encode() not in stored  # …without the password
        listed = bpt("jobs", "--json", db=_with_password(pg_url), env=env)
        assert listed.returncode == 0 and SECRET not in listed.stdout + listed.stderr
    finally:
        for key in client.scan_iter(match=f"{tag}:*"):
            client.delete(key)


def test_a_job_sent_without_password_runs_with_the_workers_credentials(pg_url, monkeypatch):
    """How a worker runs a queued job: the message names the database, the worker's env has the login."""
    open_seeded(pg_url).close()
    monkeypatch.setenv("BPT_DATABASE_URL", _with_password(pg_url))
    try:
        done = jobs.run("monitor", {"db": Database(pg_url).public_url, "year": YEAR, "as_of": f"{YEAR}-07-31",
                                    "operator": "监控"})
    finally:
        jobs.close_handles()
    assert done["kind"] == "monitor"


def test_the_reviewer_cannot_read_job_arguments(pg_url, bpt):
    open_seeded(pg_url).close()
    assert bpt("jobs", "send", "catch-up", db=pg_url, env={"BPT_BROKER_URL": ""}).returncode == 0
    with login_role("bpt_reviewer") as reviewer:
        reviewer_url = _as(pg_url, reviewer)
        assert "permission denied" in _refused(reviewer_url, "SELECT args FROM bpt_jobs")
        with psycopg.connect(reviewer_url) as conn:
            assert conn.execute("SELECT kind, state FROM bpt_jobs").fetchall() == [("catch_up", "done")]
        listed = bpt("jobs", "--json", db=reviewer_url, env={"BPT_BROKER_URL": ""})
        assert listed.returncode == 0, listed.stderr
        [job] = json.loads(listed.stdout)["jobs"]
        assert job["kind"] == "catch_up" and job["args"] is None
        with psycopg.connect(pg_url, autocommit=True) as c:
            c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [reviewer])


def test_on_postgresql_the_operator_must_be_given(pg_url, bpt):
    open_seeded(pg_url).close()
    env = {k: v for k, v in os.environ.items() if k != "BPT_OPERATOR"}
    args = ("pay", "P01", "1", "--year", str(YEAR), "--voucher", "记-op", "--date", f"{YEAR}-05-01")
    import subprocess
    import sys

    from tests.conftest import REPO

    refused = subprocess.run([sys.executable, "-m", "bpt.tui", *args, "--db", pg_url], capture_output=True,
                             text=True, env=env, cwd=REPO, timeout=120)
    assert refused.returncode == 2 and refused.stderr.startswith("错误：--operator：PostgreSQL 上必须给出经办人")
    done = bpt(*args, "--operator", "出纳张", db=pg_url)
    assert done.returncode == 0, done.stderr
    shown = json.loads(bpt("history", "--year", str(YEAR), "--project", "P01", "--json", db=pg_url).stdout)
    assert shown["events"][-1]["operator"] == "出纳张" and shown["events"][-1]["login"] == "postgres"
