"""The event store is append-only at the database level (issue 8).

SQLite: triggers refuse UPDATE/DELETE on the event and snapshot tables.
PostgreSQL: a real login role IN ROLE bpt_app records commands (the library's EXCLUSIVE
table lock included) but cannot UPDATE, DELETE or TRUNCATE the events; a login role IN ROLE
bpt_reviewer reads events and views and writes nothing.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from bpt.domain.ledger import project_id
from bpt.domain.refusal import Refusal
from bpt.projections.store.database import Database
from bpt.projections.views.runner import catch_up
from bpt.projections.schema import init_database
from bpt.projections.store.security import APP_ROLE, REVIEWER_ROLE, protect_event_store
from bpt.projections.store.service import Bpt
from tests.services import PG_HOST, PG_PORT, temporary_pg_database

Y, OP = 2021, "安全测试"


def _record_some(app) -> None:
    app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    app.add_project("D01", Y, "P01", "项目一", operator=OP, on=date(Y, 1, 1))
    app.add_project("D01", Y, "P02", "项目二", operator=OP, on=date(Y, 1, 1))
    app.approve("P01", Y, Decimal("1000"), doc="衡财预〔2021〕1号", on=date(Y, 1, 2), operator=OP)
    app.transfer("P01", "P02", Y, Decimal("100"), doc="调〔2021〕1号", on=date(Y, 2, 1), reason="调剂", operator=OP)
    app.pay("P01", Y, Decimal("10"), voucher="记-1", on=date(Y, 3, 1), operator=OP)
    app.take_snapshot(project_id(Y, "P01"))  # the snapshot table is insert-only too


# -- SQLite -----------------------------------------------------------------------------

def test_sqlite_triggers_refuse_update_and_delete_but_not_appends(sqlite_url):
    db = Database(sqlite_url)
    init_database(db)
    init_database(db)  # idempotent
    app = db.open_app()
    _record_some(app)
    with sqlite3.connect(sqlite_url) as conn:
        for statement in ("UPDATE stored_events SET state = x'00'", "DELETE FROM stored_events",
                          "DELETE FROM stored_events WHERE rowid = 1",
                          "UPDATE stored_snapshots SET originator_version = 99", "DELETE FROM stored_snapshots"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM stored_snapshots").fetchone()[0] == 1
    head = app.recorder.max_notification_id()
    app.pay("P01", Y, Decimal("1"), voucher="记-2", on=date(Y, 3, 2), operator=OP)
    assert app.recorder.max_notification_id() == head + 1
    assert app.project(Y, "P01").figures()["executed"] == Decimal("11")
    app.close()


# -- PostgreSQL -------------------------------------------------------------------------

@contextmanager
def login_role(group: str):
    """A throw-away login user IN ROLE ``group`` (how a deployment gives a person access)."""
    name = f"bpt_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True) as c:
        c.execute(f"CREATE ROLE {name} LOGIN IN ROLE {group}")
    try:
        yield name
    finally:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True) as c:
            c.execute(f"DROP ROLE IF EXISTS {name}")


def _as(url: str, user: str) -> str:
    return url.replace("postgres@", f"{user}@", 1)


@pytest.fixture
def protected_pg():
    """An initialised PostgreSQL database, its login URLs for an app user and a reviewer."""
    with temporary_pg_database() as url:
        init_database(Database(url))
        init_database(Database(url))  # idempotent, roles included
        with login_role(APP_ROLE) as app_user, login_role(REVIEWER_ROLE) as reviewer:
            yield url, _as(url, app_user), _as(url, reviewer)
            # the users' pools must be gone before the database and roles are dropped
            with psycopg.connect(url, autocommit=True) as c:
                c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE usename IN (%s, %s)", [app_user, reviewer])


def _refused(url: str, statement: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
            conn.execute(statement)
    return str(e.value)


def test_pg_app_role_appends_but_cannot_update_delete_or_truncate(protected_pg):
    admin_url, app_url, _ = protected_pg
    app = Database(app_url).open_app()
    _record_some(app)  # INSERT under the library's LOCK TABLE … IN EXCLUSIVE MODE
    head = app.recorder.max_notification_id()
    for statement in ("UPDATE bpt_events SET topic = topic", "DELETE FROM bpt_events", "TRUNCATE bpt_events",
                      "UPDATE bpt_snapshots SET topic = topic", "DELETE FROM bpt_snapshots",
                      "TRUNCATE bpt_snapshots"):
        _refused(app_url, statement)
    # Even the database owner trips on the triggers (a superuser must disable them on purpose).
    assert "append-only" in _refused(admin_url, "UPDATE bpt_events SET topic = topic")
    with psycopg.connect(admin_url) as conn:
        rights = conn.execute(
            "SELECT has_table_privilege(%(r)s, 'bpt_events', 'INSERT'), has_table_privilege(%(r)s, 'bpt_events', 'DELETE'),"
            " has_table_privilege(%(r)s, 'bpt_events', 'TRUNCATE'), has_table_privilege(%(r)s, 'bpt_snapshots', 'UPDATE')",
            {"r": APP_ROLE}).fetchone()
    assert rights == (True, False, False, False)
    app.pay("P02", Y, Decimal("5"), voucher="记-9", on=date(Y, 4, 1), operator=OP)
    assert app.recorder.max_notification_id() == head + 1
    app.close()


def test_pg_lock_needs_update_privilege_which_the_trigger_neutralises(protected_pg):
    """Why bpt_app holds UPDATE on bpt_events: without it the library's inserts fail."""
    admin_url, app_url, _ = protected_pg
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"REVOKE UPDATE ON bpt_events FROM {APP_ROLE}")
    app = Database(app_url).open_app()
    with pytest.raises(Refusal, match="permission denied for table bpt_events"):
        app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    app.close()
    protect_event_store(Database(admin_url))  # `bpt init` restores the grant
    app = Database(app_url).open_app()
    app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    assert app.departments(Y) == ["D01"]
    app.close()


def test_pg_reviewer_reads_everything_and_writes_nothing(protected_pg, bpt):
    admin_url, _, reviewer_url = protected_pg
    admin = Bpt(admin_url)
    _record_some(admin.app)
    catch_up(admin)  # the views the reviewer reads
    admin.close()
    with psycopg.connect(reviewer_url) as conn:
        assert conn.execute("SELECT count(*) FROM bpt_events").fetchone()[0] > 0
        tables = [t for (t,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
    for table in tables:  # events, snapshots and whatever views `bpt init` created
        with psycopg.connect(reviewer_url) as conn:  # the job log: every column but the arguments
            conn.execute(f"SELECT {'id' if table == 'bpt_jobs' else '*'} FROM {table} LIMIT 1")
        _refused(reviewer_url, f"DELETE FROM {table}")
    _refused(reviewer_url, "INSERT INTO bpt_events (originator_id, originator_version, topic, state) "
                           "VALUES (gen_random_uuid(), 1, 't', '\\x00')")
    # The CLI as the reviewer: reads work; a recording command is refused in one line.
    shown = bpt("status", "--year", str(Y), "--json", db=reviewer_url)
    assert shown.returncode == 0, shown.stderr
    assert '"P01"' in shown.stdout
    refused = bpt("pay", "P01", "1", "--year", str(Y), "--voucher", "记-x", "--date", f"{Y}-05-01",
                  db=reviewer_url)
    assert refused.returncode == 3  # a permission refused by PostgreSQL: a service failure (issue 24)
    assert refused.stderr.startswith("错误：权限：") and refused.stderr.count("\n") == 1, refused.stderr
