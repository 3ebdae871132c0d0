"""``explain`` of a figure on a project with a long history, against loading that aggregate.

Measured cold, as ``bpt explain`` runs: a new handle per call (opened before the clock starts,
so connecting is not counted) and nothing decoded yet. ``explain`` may cache a handle's decoded
events (the TUI explains again and again on one handle): that warm case is a row of its own.
"""

from __future__ import annotations

import time

from bench.data import YEAR, long_project
from bench.measure import missing, optional, percentile
from bench.runner import Context, Result
from bpt.domain.ledger import project_id
from bpt.domain.money import fmt_yuan
from bpt.projections.store.service import Bpt

NAME = "explain"
TITLE = "bpt explain on a project with 10,000 events vs repository.get of that aggregate"
ENGINES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
FIGURES = ("executed", "adjusted_budget", "total_score")
REPEAT = 7
TARGET_MS = 200
CODE = "D6LONG"


def _p50_ms(call, handles: list[Bpt]) -> float:
    """p50 of ``call(handle)`` over the given handles (each used once, in order)."""
    times = []
    for handle in handles:
        started = time.perf_counter()
        call(handle)
        times.append(time.perf_counter() - started)
    return percentile(times, 50) * 1000


def _fresh(url: str, n: int) -> list[Bpt]:
    handles = [Bpt(url) for _ in range(n)]
    for handle in handles:
        handle.app.recorder.max_notification_id()  # connected before the clock starts
    return handles


def run(ctx: Context) -> list[Result]:
    explain = optional("bpt.projections.audit.explain", "explain")
    n = ctx.sizes.explain_events
    results = []
    for engine, label in ENGINES.items():
        url = ctx.fresh_database(engine)
        bpt = Bpt(url)
        try:
            long_project(bpt.app, "D6", CODE, n)
            pid = project_id(YEAR, CODE)
            expected = fmt_yuan(bpt.app.repository.get(pid).figures()["executed"])
            handles = _fresh(url, REPEAT)
            base = _p50_ms(lambda h: h.app.repository.get(pid), handles)
            for h in handles:
                h.close()
            baseline = ("repository.get p50, new handle", f"p50 of {REPEAT}")
            if explain is None:
                results.append(Result(NAME, f"{label}, {n:,} events", None, "ms", base, baseline[0],
                                      target=f"< {TARGET_MS} ms", note=missing("bpt.projections.audit.explain.explain")))
                continue
            answer = explain(bpt, YEAR, CODE, "executed")
            check = "" if answer["value"] == expected else f"; WRONG value {answer['value']} ≠ {expected}"
            for figure in FIGURES:
                handles = _fresh(url, REPEAT)
                ms = _p50_ms(lambda h: explain(h, YEAR, CODE, figure), handles)
                for h in handles:
                    h.close()
                results.append(Result(NAME, f"{label} {figure}, {n:,} events, cold", ms, "ms", base, baseline[0],
                                      target=f"< {TARGET_MS} ms", met=ms < TARGET_MS and not check,
                                      note=baseline[1] + (check if figure == "executed" else "")))
            warm = _p50_ms(lambda h: explain(h, YEAR, CODE, "executed"), [bpt] * REPEAT)
            results.append(Result(NAME, f"{label} executed, {n:,} events, same handle again", warm, "ms", base,
                                  baseline[0], note=f"p50 of {REPEAT}; what the TUI sees on a second explain"))
        finally:
            bpt.close()
    return results
