"""Projection rebuild from zero (PostgreSQL and SQLite) against the library's stock runner, with peak RSS.

Our rebuild runs in a child process (``bench.child``) so its peak resident memory is its
own; the stock runner (one transaction per event) is timed over a prefix of the same events.
"""

from __future__ import annotations

import os

from bench import datasets
from bench.child import run_child
from bench.measure import missing, optional
from bench.runner import Context, Result
from bench.stock_projection import stock_seconds
from bpt.projections.store.database import Database

NAME = "rebuild"
TITLE = "projection rebuild of the whole log vs eventsourcing's stock ProjectionRunner; peak RSS"
ENGINES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
SPEEDUP = 20
RSS_LIMIT_MB = 500


def run(ctx: Context) -> list[Result]:
    results = []
    rebuild = optional("bpt.projections.views.runner", "rebuild")
    for engine, label in ENGINES.items():
        url = datasets.synthetic(ctx, engine)
        if url is None:
            results.append(Result(NAME, f"{label} rebuild", None, "events/s", note=missing(datasets.GENERATOR)))
            continue
        db = Database(url)
        app = db.open_app()
        head = app.recorder.max_notification_id() or 0
        app.close()
        prefix = min(ctx.sizes.stock_prefix, head)
        stock_events, stock_s = stock_seconds(db, prefix, os.path.join(ctx.workdir, "stock.db"))
        stock_rate = stock_events / stock_s
        stock_label = f"stock runner, first {stock_events:,} events"
        if rebuild is None:
            results.append(Result(NAME, f"{label} rebuild, {head:,} events", None, "events/s", stock_rate,
                                  stock_label, target=f"≥ {SPEEDUP}× stock", note=missing("bpt.projections.views.runner.rebuild")))
            continue
        outcome, rss = run_child("rebuild", url, db=db)
        rate = head / outcome["seconds"]
        results.append(Result(NAME, f"{label} rebuild, {head:,} events", rate, "events/s", stock_rate, stock_label,
                              target=f"≥ {SPEEDUP}× stock", met=rate >= SPEEDUP * stock_rate,
                              note=f"{outcome['seconds']:.1f} s, rebuild() returned {outcome['applied']:,}"))
        results.append(Result(NAME, f"{label} rebuild peak RSS, {head:,} events", rss, "MB",
                              target=f"< {RSS_LIMIT_MB} MB", met=rss < RSS_LIMIT_MB, note="child process max RSS"))
    return results
