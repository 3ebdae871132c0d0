"""``bpt close`` + ``bpt report --format xlsx`` for a department with 1,000 projects.

Timed as the officer runs them: two real ``bpt`` processes on the synthetic dataset (PostgreSQL).
Before closing, every project gets its 偏差说明 (``bpt close`` refuses shortfalls without one),
so the department is recorded as an officer would close it. Baseline: reading the department's
events once (its aggregate and every project's).
"""

from __future__ import annotations

import os

from bench import datasets
from bench.cli import bpt
from bench.data import YEAR, explain_shortfalls
from bench.measure import Stopwatch, missing, optional
from bench.runner import Context, Result
from bpt.domain.ledger import department_id, project_id
from bpt.projections.store.service import Bpt

NAME = "close_report"
TITLE = "bpt close + bpt report --format xlsx, a department with 1,000 projects (PostgreSQL)"
TARGET_S = 10.0


def _largest_department(handle: Bpt) -> tuple[str, list[str]]:
    app = handle.app
    depts = {code: list(app.department(YEAR, code).projects) for code in app.departments(YEAR)}
    code = max(depts, key=lambda c: len(depts[c]))
    return code, depts[code]


def run(ctx: Context) -> list[Result]:
    url = datasets.synthetic(ctx, "postgres")
    if url is None:
        return [Result(NAME, "close + xlsx", None, "s", target=f"< {TARGET_S:g} s", note=missing(datasets.GENERATOR))]
    handle = Bpt(url)
    try:
        dept, projects = _largest_department(handle)
        explain_shortfalls(handle.app, projects)
        with Stopwatch() as read:
            ids = [department_id(YEAR, dept), *(project_id(YEAR, code) for code in projects)]
            events = sum(1 for aggregate in ids for _ in handle.app.events.get(aggregate))
    finally:
        handle.close()
    label = f"reading its {events:,} events once"
    case = f"dept {dept}, {len(projects):,} projects, {events:,} events"
    if optional("bpt.projections.reports.snapshots", "close") is None and optional("bpt.projections.reports.body", "build_report") is None:
        return [Result(NAME, case, None, "s", read.seconds, label, target=f"< {TARGET_S:g} s",
                       note=missing("bpt.projections.reports.snapshots", "bpt.projections.reports.body.build_report"))]
    closed, close_s = bpt(url, "close", dept, "--year", str(YEAR))
    xlsx = os.path.join(ctx.workdir, f"{dept}.xlsx")
    reported, report_s = bpt(url, "report", dept, "--year", str(YEAR), "--format", "xlsx", "-o", xlsx)
    problems = [f"{what} exit {p.returncode}: {p.stderr.strip()[:200]}"
                for what, p in (("close", closed), ("report", reported)) if p.returncode]
    size = os.path.getsize(xlsx) if os.path.exists(xlsx) else 0
    total = close_s + report_s
    return [Result(NAME, case, total, "s", read.seconds, label, target=f"< {TARGET_S:g} s",
                   met=total < TARGET_S and not problems,
                   note="; ".join(problems) or f"close {close_s:.1f} s + report {report_s:.1f} s "
                                               f"(two processes, start-up included); xlsx {size // 1024} KiB")]
