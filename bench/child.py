"""Measured work in a process of its own: its peak RSS alone, and a deadlock that can be stopped.

``python -m bench.child rebuild URL`` rebuilds every view from zero;
``python -m bench.child import URL PATH`` imports a payments file. Each prints one JSON line.
The parent (``run_child``) reads the child's rusage with ``os.wait4`` and, on PostgreSQL, stops
a child that has used no CPU for ``QUIET_S`` while its database waits on it in ``ClientRead``:
psycopg 3.3's pipeline mode deadlocks that way on one large insert (the library's
``insert_events`` above ~10,000 events; docs/benchmarks.md), and a benchmark must report that,
not hang.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.runner import ROOT
from bpt.projections.store.database import Database

QUIET_S = 30.0


class Deadlocked(Exception):
    """The child hung: no CPU used while PostgreSQL waits for it inside a statement."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def waiting_for_client(db: Database) -> bool:
    """A backend of ``db`` is inside a statement, waiting for its client (``ClientRead``)."""
    with db.connect_pg() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                            "state = 'active' AND wait_event = 'ClientRead' AND pid <> pg_backend_pid()"
                            ).fetchone()[0] > 0


def run_child(*args: str, db: Database) -> tuple[dict, float]:
    """(the child's JSON line, its peak RSS in MB)."""
    child = subprocess.Popen([sys.executable, "-m", "bench.child", *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    errors: list[str] = []
    readers = [threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True),
               threading.Thread(target=lambda: errors.extend(child.stderr), daemon=True)]
    for reader in readers:
        reader.start()
    cpu, quiet_since = 0.0, time.monotonic()
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        now_cpu = cpu_seconds(child.pid)
        if now_cpu - cpu > 0.05:
            cpu, quiet_since = now_cpu, time.monotonic()
        elif time.monotonic() - quiet_since > QUIET_S and db.is_postgres and waiting_for_client(db):
            child.kill()
            _, status, _ = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            raise Deadlocked(f"no progress for {QUIET_S:g} s at {cpu:.0f} s of CPU, PostgreSQL waiting in ClientRead")
        time.sleep(0.5)
    child.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    if child.returncode:
        sys.stderr.writelines(errors)
        last = errors[-1].strip() if errors else ""
        raise RuntimeError(f"bench.child {args[0]} exited {child.returncode}: {last[:300]}")
    return json.loads(lines[-1]), usage.ru_maxrss / 1024  # Linux: ru_maxrss in KiB


def _main(argv: list[str]) -> dict:
    from bpt.projections.store.service import Bpt

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kind, url = argv[0], argv[1]
    bpt = Bpt(url)
    try:
        started = time.perf_counter()
        if kind == "rebuild":
            from bpt.projections.views.runner import rebuild

            applied = rebuild(bpt)
        else:
            from bench.data import OPERATOR, YEAR
            from bpt.projections.imports import import_file

            head = bpt.app.recorder.max_notification_id() or 0
            outcome = import_file(bpt, "payments", argv[2], YEAR, dry_run=False, operator=OPERATOR)
            applied = (bpt.app.recorder.max_notification_id() or 0) - head
            if outcome.refused:
                print(f"refused: {outcome.refused[:3]}", file=sys.stderr)
        return {"applied": applied, "seconds": time.perf_counter() - started}
    finally:
        bpt.close()


if __name__ == "__main__":
    print(json.dumps(_main(sys.argv[1:])), flush=True)
