"""Live lag: while events are recorded at a steady rate, how long until the views have them.

A writer (this process) records payments at ``live_rate`` per second for ``live_seconds``;
``run_live`` runs in a process of its own (``bench.live_child``), as the projection process of a
deployment would, and stamps the views' position after each catch-up that applied events. The
lag of an event is the time from its save returning to the first stamp of a position at or past
it (the stamp is taken after the commit, so the lag is, if anything, overstated by one query).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from decimal import Decimal

from bench.data import OPERATOR, YEAR, funded_projects, payment_date
from bench.measure import missing, optional, percentile
from bench.runner import ROOT, Context, Result
from bpt.projections.store.service import Bpt

NAME = "live_lag"
TITLE = "live lag under a steady write rate (save → view position reaches it)"
ENGINES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
PROJECTS = 20
TARGET_S = 1.0
DRAIN_S = 30.0  # how long to wait after the last write for the views to reach it


def _now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def _measure(url: str, seconds: float, rate: float) -> tuple[list[float], float]:
    """(lags in seconds, the write rate achieved)."""
    writer = Bpt(url)
    codes = funded_projects(writer.app, "D7", PROJECTS)
    child = subprocess.Popen([sys.executable, "-m", "bench.live_child", url], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    stamps: list[tuple[float, int]] = []  # (time, views' position)
    assert child.stdout.readline().strip() == "ready"
    reading = threading.Thread(target=lambda: stamps.extend(
        (float(t), int(p)) for t, p in (line.split() for line in child.stdout)), daemon=True)
    reading.start()
    saved: list[tuple[float, int]] = []
    try:
        started = _now()
        i = 0
        while _now() - started < seconds:  # a writer slower than ``rate`` writes fewer, not longer
            delay = started + i / rate - _now()
            if delay > 0:
                time.sleep(delay)  # pacing the writer, not waiting for the reader
            writer.app.pay(codes[i % PROJECTS], YEAR, Decimal("88.80"), voucher=f"L{i:07d}", on=payment_date(i),
                           operator=OPERATOR)
            at = _now()
            saved.append((at, writer.app.recorder.max_notification_id()))
            i += 1
        achieved = len(saved) / (_now() - started)
        deadline = _now() + DRAIN_S
        while (not stamps or stamps[-1][1] < saved[-1][1]) and _now() < deadline:
            time.sleep(0.01)
    finally:
        child.terminate()
        child.wait(timeout=30)
        reading.join(timeout=5)
        writer.close()
    lags, j = [], 0
    for at, position in saved:
        while j < len(stamps) and stamps[j][1] < position:
            j += 1
        lags.append(max(0.0, stamps[j][0] - at) if j < len(stamps) else float("inf"))
    return lags, achieved


def run(ctx: Context) -> list[Result]:
    s = ctx.sizes
    if optional("bpt.projections.views.runner", "run_live") is None:
        return [Result(NAME, "p99 lag", None, "ms", target=f"p99 < {TARGET_S:g} s",
                       note=missing("bpt.projections.views.runner.run_live"))]
    results = []
    for engine, label in ENGINES.items():
        lags, achieved = _measure(ctx.fresh_database(engine), s.live_seconds, s.live_rate)
        p99 = percentile(lags, 99)
        case = f"{label} {{}} lag, {s.live_rate:g} events/s for {s.live_seconds:g} s"
        results += [
            Result(NAME, case.format("p50"), percentile(lags, 50) * 1000, "ms"),
            Result(NAME, case.format("p99"), p99 * 1000, "ms", target=f"p99 < {TARGET_S:g} s", met=p99 < TARGET_S,
                   note=f"{len(lags):,} events written at {achieved:.0f}/s; max {max(lags) * 1000:,.0f} ms; "
                        "run_live in its own process"),
        ]
    return results
