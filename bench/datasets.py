"""The synthetic province dataset (``bpt.projections.demo.synthetic.generate``), built once per engine and run."""

from __future__ import annotations

from bench.measure import Stopwatch, optional
from bench.runner import Context
from bpt.projections.store.service import Bpt

GENERATOR = "bpt.projections.demo.synthetic.generate"


def synthetic(ctx: Context, engine: str) -> str | None:
    """URL of a database holding departments × projects × events_per_project events; None until the
    generator exists. Shared by every benchmark of the run that needs it (read-only for them)."""
    generate = optional(*GENERATOR.rsplit(".", 1))
    if generate is None:
        return None

    def build() -> str:
        s = ctx.sizes
        url = ctx.fresh_database(engine)
        bpt = Bpt(url)
        try:
            with Stopwatch() as sw:
                counts = generate(bpt, s.departments, s.projects, s.events_per_project, seed=0)
            head = bpt.app.recorder.max_notification_id() or 0
        finally:
            bpt.close()
        print(f"   dataset on {engine}: {s.departments}×{s.projects}×{s.events_per_project} → {head:,} events "
              f"in {sw.seconds:.0f} s ({head / sw.seconds:,.0f} events/s); {counts['event_types']}", flush=True)
        return url

    return ctx.cached(f"synthetic:{engine}", build)
