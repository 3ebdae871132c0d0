"""All-or-nothing writes: aggregates changed in memory by the domain's own commands, then saved
in one transaction (shared by imports and the synthetic generator).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from eventsourcing.postgres import PostgresApplicationRecorder

from bpt.domain.application import BudgetApp
from bpt.domain.ledger import Ledger
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.projections.imports import pgcopy

T = TypeVar("T")


class Batch:
    """The project-years an import touches: each loaded once, then changed in memory."""

    def __init__(self, app: BudgetApp, year: int):
        self.app = app
        self.year = year
        self._loaded: dict[str, ProjectYear | Refusal] = {}
        self._memo: dict = {}
        self.changed: dict[str, ProjectYear] = {}

    def project(self, code: str, name: str = "") -> ProjectYear:
        """The project ``code``, checked against a 项目名称 when the file gives one."""
        found = self._loaded.get(code)
        if found is None:
            try:
                found = self.app.project(self.year, code)
            except Refusal as refusal:
                found = refusal  # every row naming a missing project gets the same refusal
            self._loaded[code] = found
        if isinstance(found, Refusal):
            raise found
        if name and name != found.name:
            raise Refusal("项目名称", f"“{name}”与项目 {code} 的登记名称“{found.name}”不一致")
        return found

    def memo(self, key: object, build: Callable[[], T]) -> T:
        """An index an import keeps per project while it runs, built once (e.g. from stored events)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def touch(self, project: ProjectYear) -> None:
        self.changed[project.code] = project


def save_together(app: BudgetApp, aggregates: Iterable[Ledger]) -> int:
    """Record every pending event of ``aggregates`` in one transaction; returns the number of events.

    This is ``app.save(*aggregates)`` without the parts that do not scale to a million events.
    The events go straight to the store (on PostgreSQL one ``COPY``: ``pgcopy``), because
    ``save`` pops each aggregate's pending events from the front of a list (quadratic for a
    project with 100,000 new payments), checks a runtime protocol per event, and takes library
    snapshots by reloading the aggregate from the store at every interval. Here an aggregate
    that crossed a snapshot interval is snapshotted once, from memory, after the commit
    (snapshots are a loading cache; the events are the record).
    """
    events, crossed = [], []
    for aggregate in aggregates:
        pending = aggregate.pending_events
        interval = app.snapshotting_intervals.get(type(aggregate))
        if interval and aggregate.version // interval > (aggregate.version - len(pending)) // interval:
            crossed.append(aggregate)
        events.extend(pending)
        pending.clear()
    if not events:
        return 0
    if isinstance(app.recorder, PostgresApplicationRecorder):
        pgcopy.insert(app.recorder, pgcopy.copy_data(app.mapper, events))
    else:
        app.events.put(events)
    if app.snapshots is not None and crossed:
        app.snapshots.put([aggregate.Snapshot.take(aggregate) for aggregate in crossed])
    return len(events)
