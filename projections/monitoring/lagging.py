"""双监控 execution monitoring (run by `bpt monitor`, the monitor job and the demo): at an as-of date, a warning event for each lagging project.

The figures are those of ``bpt status --as-of`` (effective-date axis); the level is
``bpt.domain.figures.warning_level`` of 执行率 against 序时进度, and red and yellow are raised.
``BudgetApp.raise_warning`` records at most one warning per (project, as-of date): the
aggregate's version check makes a repeated, retried or concurrently duplicated run a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bpt.domain.calendar import time_progress
from bpt.domain.figures import execution_rate, warning_level
from bpt.domain.money import fmt_rate, fmt_yuan
from bpt.projections.store.service import Bpt
from bpt.projections.views.status import status

WARN_LEVELS = ("red", "yellow")


def monitor(bpt: Bpt, year: int, as_of: date, operator: str,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Raise the warnings due at ``as_of``; ``{"raised": [...], "already_raised": [...]}`` (CLI.md)."""
    rows = status(bpt, year, as_of)["projects"]
    elapsed = time_progress(as_of, year)
    raised: list[dict] = []
    already: list[dict] = []
    for done, row in enumerate(rows, start=1):
        executed, budget = Decimal(row["executed"]), Decimal(row["adjusted_budget"])
        rate = execution_rate(executed, budget)
        level = warning_level(rate, elapsed)
        if level in WARN_LEVELS:
            entry = {"dept": row["dept"], "project": row["project"], "name": row["name"], "level": level,
                     "adjusted_budget": fmt_yuan(budget), "executed": fmt_yuan(executed),
                     "execution_rate": fmt_rate(rate) if rate is not None else None,
                     "time_progress": fmt_rate(elapsed)}
            if bpt.app.raise_warning(row["project"], year, as_of=as_of, level=level, rate=rate, progress=elapsed,
                                     operator=operator):
                raised.append(entry)
            else:
                # Raised by an earlier run: report the level it recorded then.
                entry["level"] = bpt.app.project(year, row["project"]).warnings[as_of.isoformat()]
                already.append(entry)
        if progress:
            progress(done, len(rows))
    return {"year": year, "as_of": as_of.isoformat(), "time_progress": fmt_rate(elapsed),
            "raised": raised, "already_raised": already}
