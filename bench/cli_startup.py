"""How long ``bpt`` takes to start: ``bpt --help`` against ``python -c "import click"``.

Every verb starts by importing the command line, so its start-up is paid on each call from a
script. Both commands run as whole processes in the same venv, in turn (A B A B …, so a drift in
the machine's speed hits both), after one warm-up each; the figure is the median CPU time of the
process (user + sys, the kernel's accounting of the finished child), not wall time. ``bpt status``
on a small SQLite database is measured the same way beside it: a verb that opens the event store
and reads the views.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.data import OPERATOR, YEAR, funded_projects
from bench.runner import Context, Result

NAME = "cli_startup"
TITLE = "bpt --help (and bpt status on a small SQLite database) vs python -c 'import click', CPU time"
RUNS = 7
WARMUP = 1
TARGET_RATIO = 3.0
BASELINE = (sys.executable, "-c", "import click")
PROJECTS = 20


def bpt_command() -> tuple[str, ...]:
    """The console script of this venv (what users run), else the module."""
    script = Path(sys.executable).with_name("bpt")
    return (str(script),) if script.exists() else (sys.executable, "-m", "bpt.tui")


def cpu_seconds(command: tuple[str, ...], env: dict[str, str] | None = None) -> float:
    """user + sys seconds of one finished run of ``command`` (its output discarded)."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {child.returncode}")
    return usage.ru_utime + usage.ru_stime


def paired_medians(a: tuple[str, ...], b: tuple[str, ...], env: dict[str, str] | None = None,
                   runs: int = RUNS) -> tuple[float, float]:
    """Median CPU seconds of ``a`` and of ``b``, run in turn ``runs`` times after ``WARMUP`` each."""
    for _ in range(WARMUP):
        cpu_seconds(a, env), cpu_seconds(b, env)
    times_a, times_b = [], []
    for _ in range(runs):
        times_a.append(cpu_seconds(a, env))
        times_b.append(cpu_seconds(b, env))
    return statistics.median(times_a), statistics.median(times_b)


def _small_database(ctx: Context) -> str:
    from bpt.projections.store.service import Bpt
    from bpt.projections.views.runner import catch_up

    url = ctx.fresh_database("sqlite")
    bpt = Bpt(url)
    try:
        funded_projects(bpt.app, "D1", PROJECTS)
        catch_up(bpt)
    finally:
        bpt.close()
    return url


def run(ctx: Context) -> list[Result]:
    bpt = bpt_command()
    label = f"python -c 'import click', median of {RUNS}"
    help_ms, click_ms = (s * 1000 for s in paired_medians((*bpt, "--help"), BASELINE))
    results = [Result(NAME, "bpt --help", help_ms, "ms CPU", click_ms, label, f"≤ {TARGET_RATIO:g}× baseline",
                      met=help_ms <= TARGET_RATIO * click_ms, note=f"median of {RUNS} after a warm-up")]
    env = {**os.environ, "BPT_DATABASE_URL": _small_database(ctx), "BPT_OPERATOR": OPERATOR}
    status_ms, click_ms = (s * 1000 for s in paired_medians((*bpt, "status", "--year", str(YEAR)), BASELINE, env))
    results.append(Result(NAME, f"bpt status, SQLite, {PROJECTS} projects", status_ms, "ms CPU", click_ms, label,
                          note="reported beside bpt --help; no target"))
    return results
