"""The background jobs, as plain functions of JSON-able arguments.

Actors (workers/actors.py) and the embedded mode (no broker: the command runs the job
itself) both go through ``run(kind, args, job_id)``, which opens the job's database once per
process and keeps the job log (``bpt_jobs``) up to date. Delivery is at least once, so every
job's effect is idempotent by construction:

- ``catch_up``: the projections' tracked positions; a redelivered nudge finds nothing new;
- ``monitor``: at most one warning per (project, as-of date), enforced by the aggregate;
- ``reports``: files named by (department, year, snapshot), written atomically, never twice;
- ``import``: one all-or-nothing transaction per file, payments keyed by voucher.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bpt.domain.calendar import parse_date
from bpt.domain.refusal import Refusal
from bpt.projections.store.database import Database, with_configured_credentials
from bpt.projections.imports import import_file as run_import
from bpt.projections.store.job_log import JobLog
from bpt.projections.views.runner import catch_up as run_catch_up
from bpt.projections.store.service import Bpt
from bpt.projections.monitoring.lagging import monitor as raise_due_warnings
from bpt.workers.reports import FORMATS, write_reports

MINUTE = 60_000  # ms

Progress = Callable[[int, int | None], None]  # (done, total); total None while unknown


def _year(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise Refusal("年度", f"应为整数年份，收到“{value}”")


def catch_up(bpt: Bpt, progress: Progress | None = None) -> dict:
    # Threads of one worker process take turns: the tracking positions make a concurrent
    # catch-up harmless, but it would only redo the same reads.
    with _lock_for("catch_up", bpt.db.url):
        return {"applied": run_catch_up(bpt, progress=progress)}


def monitor(bpt: Bpt, year: int, as_of: str, operator: str, progress: Progress | None = None) -> dict:
    return raise_due_warnings(bpt, _year(year), parse_date(as_of, "截至日期"), operator, progress)


def reports(bpt: Bpt, year: int, out_dir: str, dept: str | None = None, formats: list[str] | None = None,
            progress: Progress | None = None) -> dict:
    return write_reports(bpt, _year(year), out_dir, dept, tuple(formats or FORMATS), progress)


def import_file(bpt: Bpt, kind: str, path: str, year: int, operator: str, progress: Progress | None = None) -> dict:
    """All or nothing: a file with any refused row records nothing, and the job fails with the reasons."""
    result = run_import(bpt, kind, path, _year(year), dry_run=False, operator=operator, progress=progress)
    if result.refused:
        rows = "；".join(f"第 {row} 行 {column}：{reason}" for row, column, reason in result.refused[:5])
        more = f"（另有 {len(result.refused) - 5} 行）" if len(result.refused) > 5 else ""
        raise Refusal("导入", f"{result.summary[-1]}：{rows}{more}")
    return {"path": path, "recorded": result.recorded, "skipped_duplicates": result.skipped_duplicates,
            "summary": result.summary}


@dataclass(frozen=True)
class Job:
    queue: str  # the queue's name after the prefix
    time_limit_ms: int
    function: Callable[..., dict]


JOBS: dict[str, Job] = {
    "catch_up": Job("projections", 10 * MINUTE, catch_up),
    "monitor": Job("monitor", 10 * MINUTE, monitor),
    "reports": Job("reports", 30 * MINUTE, reports),
    "import": Job("imports", 60 * MINUTE, import_file),
}


def db_arg(db: Database) -> str:
    """The database as a job argument: a SQLite path made absolute (the worker's cwd differs); a
    PostgreSQL URL without its password (the job log, ``bpt jobs`` and the broker's messages carry
    no secret: the worker connects with its own credentials)."""
    return db.public_url if db.is_postgres else os.path.abspath(db.sqlite_path)


def run(kind: str, args: dict, job_id: str | None = None, db: Database | None = None) -> dict:
    """Run one job in this process; ``args`` holds ``db`` and the job's own arguments. ``db``,
    when the sender runs the job itself (embedded mode), is its own database with credentials.

    A Refusal (bad arguments, unknown project, …) is final: actors do not retry it.
    """
    job = JOBS.get(kind)
    if job is None:
        raise Refusal("作业", f"未知作业“{kind}”，可选：{'、'.join(JOBS)}")
    params = dict(args)
    db_url = params.pop("db", None)
    if not db_url:
        raise Refusal("数据库", "作业参数缺少 db")
    try:
        inspect.signature(job.function).bind(None, **params)
    except TypeError as e:
        raise Refusal("作业参数", f"{kind}：{e}") from None
    bpt = bpt_for(db.url if db is not None and db_arg(db) == db_url else with_configured_credentials(db_url))
    job_id = job_id or uuid.uuid4().hex
    with JobLog(bpt.db) as log:
        log.check()
        log.started(job_id, kind, args)
        try:
            result = job.function(bpt, progress=_Throttled(log, job_id), **params)
        except Exception as e:
            log.failed(job_id, str(e) or type(e).__name__)
            raise
        log.finished(job_id, result)
    return {"job": job_id, "kind": kind, **result}


# -- per-process state ---------------------------------------------------------------

_handles: dict[str, Bpt] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_guard = threading.Lock()


def bpt_for(db_url: str) -> Bpt:
    """This process's handle on ``db_url``, opened once and shared by the worker's threads."""
    with _guard:
        handle = _handles.get(db_url)
        if handle is None:
            handle = Bpt(db_url)
            handle.app  # noqa: B018 - open it now, under the lock (refuses an uninitialised database)
            _handles[db_url] = handle
        return handle


def close_handles() -> None:
    """Close every handle this process opened (tests drop their databases afterwards)."""
    with _guard:
        for handle in _handles.values():
            handle.close()
        _handles.clear()


def _lock_for(*key: str) -> threading.Lock:
    with _guard:
        return _locks.setdefault(key, threading.Lock())


class _Throttled:
    """A progress callback that writes to the job log at most twice a second, and at the end."""

    def __init__(self, log: JobLog, job_id: str, interval: float = 0.5):
        self.log, self.job_id, self.interval = log, job_id, interval
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if (total is not None and done >= total) or now - self.last >= self.interval:
            self.last = now
            self.log.progress(self.job_id, done, total)
