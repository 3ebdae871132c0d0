"""``bpt report --form monitoring --as-of 2021-07-31 --format xlsx`` for a department with 1,000 projects.

Timed as the officer runs it: one real ``bpt`` process on the synthetic dataset (PostgreSQL),
start-up included. Baseline: reading the department's events once (every project's aggregate).
"""

from __future__ import annotations

import os

from bench import datasets
from bench.cli import bpt
from bench.close_report import _largest_department
from bench.data import YEAR
from bench.measure import Stopwatch, missing
from bench.runner import Context, Result
from bpt.domain.ledger import project_id
from bpt.projections.store.service import Bpt

NAME = "monitoring_form"
TITLE = "bpt report --form monitoring --format xlsx at 07-31, a department with 1,000 projects (PostgreSQL)"
TARGET_S = 5.0


def run(ctx: Context) -> list[Result]:
    url = datasets.synthetic(ctx, "postgres")
    if url is None:
        return [Result(NAME, "monitoring xlsx", None, "s", target=f"< {TARGET_S:g} s", note=missing(datasets.GENERATOR))]
    handle = Bpt(url)
    try:
        dept, projects = _largest_department(handle)
        with Stopwatch() as read:
            events = sum(1 for code in projects for _ in handle.app.events.get(project_id(YEAR, code)))
    finally:
        handle.close()
    xlsx = os.path.join(ctx.workdir, f"{dept}-monitoring.xlsx")
    done, seconds = bpt(url, "report", dept, "--year", str(YEAR), "--form", "monitoring", "--as-of", f"{YEAR}-07-31",
                        "--format", "xlsx", "-o", xlsx)
    problem = f"exit {done.returncode}: {done.stderr.strip()[:200]}" if done.returncode else ""
    size = os.path.getsize(xlsx) if os.path.exists(xlsx) else 0
    return [Result(NAME, f"dept {dept}, {len(projects):,} projects, {events:,} events", seconds, "s", read.seconds,
                   f"reading its {events:,} events once", target=f"< {TARGET_S:g} s",
                   met=seconds < TARGET_S and not problem,
                   note=problem or f"one process, start-up included; xlsx {size // 1024} KiB")]
