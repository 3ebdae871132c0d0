"""The job log (``bpt_jobs``): what each background job is doing, for ``bpt jobs``.

One row per job id (the dramatiq message id, which a redelivery keeps), so a redelivered
job updates its row (``attempts`` + 1) instead of adding one. The log is a display aid only:
every job's effect is idempotent by construction, whatever this table says.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bpt.domain.refusal import Refusal
from bpt.projections.store.database import Database
from bpt.projections.store.sql import Sql

TABLE = "bpt_jobs"

_COLUMNS = ("id", "kind", "args", "state", "attempts", "done", "total", "result", "error", "started_at",
            "updated_at")


def create_job_table(db: Database) -> None:
    """Called by ``init_database`` (idempotent)."""
    with Sql(db) as sql:
        sql.run(f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            args TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            done BIGINT,
            total BIGINT,
            result TEXT,
            error TEXT,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""")
        sql.run(f"CREATE INDEX IF NOT EXISTS {TABLE}_updated ON {TABLE} (updated_at)")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class JobLog:
    """A connection to the job log; a job holds one for its duration (statements autocommit)."""

    def __init__(self, db: Database):
        self.sql = Sql(db)

    def __enter__(self) -> JobLog:
        return self

    def __exit__(self, *exc) -> None:
        self.sql.close()

    def check(self) -> JobLog:
        """Refuse a database whose job log is missing (created before it existed): run ``bpt init``."""
        if self.sql.postgres:
            found = self.sql.rows("SELECT to_regclass(?)", (TABLE,))[0][0]
        else:
            found = self.sql.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
        if not found:
            raise Refusal("数据库", f"缺少作业表 {TABLE}：请先运行 bpt init（可重复执行）")
        return self

    def started(self, job_id: str, kind: str, args: dict) -> None:
        now = _now()
        self.sql.run(
            f"INSERT INTO {TABLE} (id, kind, args, state, attempts, started_at, updated_at) "
            f"VALUES (?, ?, ?, 'running', 1, ?, ?) "
            f"ON CONFLICT (id) DO UPDATE SET state = 'running', attempts = {TABLE}.attempts + 1, "
            f"error = NULL, started_at = excluded.started_at, updated_at = excluded.updated_at",
            (job_id, kind, json.dumps(args, ensure_ascii=False, sort_keys=True), now, now))

    def progress(self, job_id: str, done: int, total: int) -> None:
        self.sql.run(f"UPDATE {TABLE} SET done = ?, total = ?, updated_at = ? WHERE id = ?",
                     (done, total, _now(), job_id))

    def finished(self, job_id: str, result: dict) -> None:
        self.sql.run(f"UPDATE {TABLE} SET state = 'done', result = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(result, ensure_ascii=False), _now(), job_id))

    def failed(self, job_id: str, error: str) -> None:
        self.sql.run(f"UPDATE {TABLE} SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
                     (error, _now(), job_id))

    def recent(self, limit: int = 20) -> list[dict]:
        """The latest jobs, most recently updated first."""
        return self._jobs("ORDER BY updated_at DESC, started_at DESC LIMIT ?", (limit,))

    def get(self, job_id: str) -> dict | None:
        jobs = self._jobs("WHERE id = ?", (job_id,))
        return jobs[0] if jobs else None

    def _args_readable(self) -> bool:
        """False for a login that may not read job arguments (the reviewer role, on PostgreSQL)."""
        return not self.sql.postgres or self.sql.rows("SELECT has_column_privilege(?, 'args', 'SELECT')", (TABLE,))[0][0]

    def _jobs(self, clause: str, params: tuple) -> list[dict]:
        columns = ", ".join(c if c != "args" or self._args_readable() else "NULL" for c in _COLUMNS)
        rows = self.sql.rows(f"SELECT {columns} FROM {TABLE} {clause}", params)
        jobs = [dict(zip(_COLUMNS, row)) for row in rows]
        for job in jobs:
            job["args"] = json.loads(job["args"]) if job["args"] is not None else None
            job["result"] = json.loads(job["result"]) if job["result"] else None
        return jobs
