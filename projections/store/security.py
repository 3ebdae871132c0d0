"""Append-only event store at the database level, and the roles that use it.

``protect_event_store(db)`` is run by ``bpt init`` (idempotent), after the tables exist.

SQLite: triggers refuse UPDATE and DELETE on ``stored_events`` and ``stored_snapshots``
(snapshots are a cache the library only ever inserts; an edited snapshot would change what
the application loads). They guard against tools and slips; whoever holds the file can drop
them, which ``check_chains`` then catches.

PostgreSQL:
- a BEFORE UPDATE OR DELETE row trigger and a BEFORE TRUNCATE statement trigger on
  ``bpt_events`` and ``bpt_snapshots`` that raise, for every role but a superuser who
  disables them;
- ``bpt_app`` (NOLOGIN group role: deployments ``CREATE ROLE alice LOGIN IN ROLE bpt_app``):
  SELECT + INSERT on the event tables, read-write on the views. It also holds UPDATE on
  ``bpt_events``, only because the library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` to
  serialise inserts and PostgreSQL requires UPDATE, DELETE or TRUNCATE privilege for that
  lock mode; the trigger refuses the UPDATE itself. No DELETE, no TRUNCATE.
- ``bpt_reviewer`` (NOLOGIN): SELECT on every table and view of the schema, nothing else.
- ``bpt_checkpoints`` (``install_checkpoints``): ``bpt_checkpoint()`` (SECURITY DEFINER) appends
  the heads of every chain as the server computes them; both roles read, the app may call it;
- the reviewer reads every column of ``bpt_jobs`` but ``args`` (``hide_job_args``);
- ``bpt_event_stamps`` (``stamp_events``): an AFTER INSERT trigger on ``bpt_events`` records, for
  each notification id, the session login and the server's clock; both roles only read it.
Creating roles needs a superuser or CREATEROLE; without it (and when the roles do not exist
yet) the triggers are still installed and the grants skipped: the returned dict says so.
"""

from __future__ import annotations

import sqlite3

from bpt.projections.store.database import Database
from bpt.projections.store.stamps import STAMPS_TABLE

APP_ROLE = "bpt_app"
REVIEWER_ROLE = "bpt_reviewer"
PG_EVENT_TABLES = ("bpt_events", "bpt_snapshots")
SQLITE_EVENT_TABLES = ("stored_events", "stored_snapshots")
REFUSAL = "bpt：事件库只允许追加，不允许修改或删除（append-only）"


def protect_event_store(db: Database) -> dict:
    """Install the append-only guards (and, on PostgreSQL, the roles and grants).

    Returns ``{"triggers": [table, …], "roles": [role, …]}`` (roles granted; empty when the
    connecting user may not create them).
    """
    if db.is_postgres:
        return _protect_postgres(db)
    return _protect_sqlite(db.sqlite_path)


def _protect_sqlite(path: str) -> dict:
    with sqlite3.connect(path) as conn:
        for table in SQLITE_EVENT_TABLES:
            for action in ("UPDATE", "DELETE"):
                conn.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                             f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
    return {"triggers": list(SQLITE_EVENT_TABLES), "roles": []}


_PG_GUARD = f"""
CREATE OR REPLACE FUNCTION {{schema}}.bpt_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}: % on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$
"""

# Roles are cluster-wide: two `bpt init` on two databases may race to create them.
_PG_ROLE = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$
"""


def _protect_postgres(db: Database) -> dict:
    env = db.app_env()
    schema, dbname = env.get("POSTGRES_SCHEMA", "public"), env["POSTGRES_DBNAME"]
    with db.connect_pg() as conn:
        conn.execute(_PG_GUARD.format(schema=schema))
        for table in PG_EVENT_TABLES:
            qualified = f"{schema}.{table}"
            conn.execute(f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {qualified} "
                         f"FOR EACH ROW EXECUTE FUNCTION {schema}.bpt_refuse_change()")
            conn.execute(f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {qualified} "
                         f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.bpt_refuse_change()")
        stamp_events(conn, schema)
        install_checkpoints(conn, schema)
        may_create = conn.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        if may_create:
            for role in (APP_ROLE, REVIEWER_ROLE):
                conn.execute(_PG_ROLE.format(role=role))
        existing = {r for (r,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
                                               [[APP_ROLE, REVIEWER_ROLE]])}
        for role in existing:
            conn.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO {role}')
            conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        if APP_ROLE in existing:
            _grant_app(conn, schema)
            grant_stamps(conn, schema, APP_ROLE)
            grant_checkpoints(conn, schema, APP_ROLE, may_take=True)
        if REVIEWER_ROLE in existing:
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {REVIEWER_ROLE}")
            conn.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {REVIEWER_ROLE}")
            grant_stamps(conn, schema, REVIEWER_ROLE)
            hide_job_args(conn, schema)
            grant_checkpoints(conn, schema, REVIEWER_ROLE, may_take=False)
    return {"triggers": list(PG_EVENT_TABLES), "roles": sorted(existing)}


def _grant_app(conn, schema: str) -> None:
    """Read-write on the views (including rebuilds), append-only on the events."""
    conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}")
    conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}")
    conn.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                 f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {APP_ROLE}")
    conn.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")
    events, snapshots = (f"{schema}.{t}" for t in PG_EVENT_TABLES)
    # UPDATE stays on bpt_events for the library's EXCLUSIVE table lock (see the docstring).
    conn.execute(f"REVOKE DELETE, TRUNCATE ON {events} FROM {APP_ROLE}")
    conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {snapshots} FROM {APP_ROLE}")


# -- server stamps (issue 25): who and when, as the database saw it ------------------------

# SECURITY DEFINER: the stamp is written with the owner's rights, which no app login holds;
# session_user is the login that connected (SET ROLE does not change it), clock_timestamp()
# the server's clock at the insert.
_PG_STAMP = """
CREATE TABLE IF NOT EXISTS {schema}.bpt_event_stamps (
    notification_id bigint PRIMARY KEY,
    login text NOT NULL,
    stamped_at timestamptz NOT NULL
);
CREATE OR REPLACE FUNCTION {schema}.bpt_stamp_event() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO {schema}.bpt_event_stamps (notification_id, login, stamped_at)
        VALUES (NEW.notification_id, session_user, clock_timestamp());
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER bpt_events_stamp AFTER INSERT ON {schema}.bpt_events
    FOR EACH ROW EXECUTE FUNCTION {schema}.bpt_stamp_event();
CREATE OR REPLACE TRIGGER bpt_event_stamps_append_only BEFORE UPDATE OR DELETE ON {schema}.bpt_event_stamps
    FOR EACH ROW EXECUTE FUNCTION {schema}.bpt_refuse_change();
CREATE OR REPLACE TRIGGER bpt_event_stamps_no_truncate BEFORE TRUNCATE ON {schema}.bpt_event_stamps
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.bpt_refuse_change();
"""


def stamp_events(conn, schema: str) -> None:
    """Every row inserted into ``bpt_events`` gets a stamp (login, server time) written by the
    server; the stamps table is append-only like the events (needs ``bpt_refuse_change``)."""
    conn.execute(_PG_STAMP.format(schema=schema))
    conn.execute(f"REVOKE ALL ON FUNCTION {schema}.bpt_stamp_event() FROM PUBLIC")


def grant_stamps(conn, schema: str, role: str) -> None:
    """The stamps are read by everyone who reads the log, written by nobody but the trigger."""
    conn.execute(f"REVOKE ALL ON {schema}.{STAMPS_TABLE} FROM {role}")
    conn.execute(f"GRANT SELECT ON {schema}.{STAMPS_TABLE} TO {role}")


# -- job arguments (issue 25): the reviewer sees what ran, not with which arguments ---------

JOB_TABLE = "bpt_jobs"
JOB_VISIBLE = ("id", "kind", "state", "attempts", "done", "total", "result", "error", "started_at", "updated_at")


def hide_job_args(conn, schema: str) -> None:
    """Column privileges on the job log: every column but ``args`` for the reviewer role."""
    table = f"{schema}.{JOB_TABLE}"
    if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0] is None:
        return
    conn.execute(f"REVOKE SELECT ON {table} FROM {REVIEWER_ROLE}")
    conn.execute(f"GRANT SELECT ({', '.join(JOB_VISIBLE)}) ON {table} TO {REVIEWER_ROLE}")


# -- checkpoints (issue 25): chain heads anchored by the server ------------------------------

CHECKPOINTS_TABLE = "bpt_checkpoints"

_PG_CHECKPOINTS = """
CREATE TABLE IF NOT EXISTS {schema}.bpt_checkpoints (
    id bigserial PRIMARY KEY,
    taken_at timestamptz NOT NULL,
    login text NOT NULL,
    position bigint NOT NULL,
    heads jsonb NOT NULL
);
CREATE OR REPLACE FUNCTION {schema}.bpt_checkpoint() RETURNS bigint LANGUAGE sql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH h AS (
        SELECT DISTINCT ON (originator_id) originator_id, originator_version AS v, notification_id AS n,
               convert_from(state, 'UTF8')::jsonb ->> 'chain' AS chain
        FROM {schema}.bpt_events ORDER BY originator_id, originator_version DESC)
    INSERT INTO {schema}.bpt_checkpoints (taken_at, login, position, heads)
    SELECT clock_timestamp(), session_user, coalesce((SELECT max(n) FROM h), 0),
           coalesce((SELECT jsonb_object_agg(originator_id::text, jsonb_build_array(v, chain)) FROM h), '{{}}'::jsonb)
    RETURNING id
$$;
CREATE OR REPLACE TRIGGER bpt_checkpoints_append_only BEFORE UPDATE OR DELETE ON {schema}.bpt_checkpoints
    FOR EACH ROW EXECUTE FUNCTION {schema}.bpt_refuse_change();
CREATE OR REPLACE TRIGGER bpt_checkpoints_no_truncate BEFORE TRUNCATE ON {schema}.bpt_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.bpt_refuse_change();
"""


def install_checkpoints(conn, schema: str) -> None:
    """The checkpoint table and the server function that alone writes it."""
    conn.execute(_PG_CHECKPOINTS.format(schema=schema))
    conn.execute(f"REVOKE ALL ON FUNCTION {schema}.bpt_checkpoint() FROM PUBLIC")


def grant_checkpoints(conn, schema: str, role: str, *, may_take: bool) -> None:
    """Read the checkpoints; ``may_take``: call ``bpt_checkpoint()`` (never write the table)."""
    conn.execute(f"REVOKE ALL ON {schema}.{CHECKPOINTS_TABLE} FROM {role}")
    conn.execute(f"GRANT SELECT ON {schema}.{CHECKPOINTS_TABLE} TO {role}")
    if may_take:
        conn.execute(f"GRANT EXECUTE ON FUNCTION {schema}.bpt_checkpoint() TO {role}")
