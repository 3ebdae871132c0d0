"""The baseline for rebuilds: eventsourcing 9.5's stock projection machinery, used as documented.

A trivial view (per project and budget line, the running total in 分) kept by a ``Projection``
whose ``process_event`` writes the row and the tracking record in one transaction per event:
the library's exactly-once recipe. On PostgreSQL it runs under the stock ``ProjectionRunner``
(subscription + processing thread). SQLite has no subscription (``subscribe()`` raises
NotImplementedError), so there the same projection is fed the notifications in order by a plain
loop, as the runner's processing thread would.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Identifier

from bpt.domain.application import BudgetApp
from bpt.domain.figures import movement
from bpt.projections.store.database import Database

NAME = "benchstock"  # prefixes the environment and the tracking table: benchstock_tracking
TABLE = "bench_stock_totals"


def _fen(event: Any) -> tuple[str, int] | None:
    m = movement(event)
    return None if m is None else (m[0], int(m[1] * 100))


class PostgresStockView(PostgresTrackingRecorder):
    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (project uuid, line text, fen bigint NOT NULL, "
            "PRIMARY KEY (project, line))").format(schema, Identifier(TABLE)))
        self.upsert = SQL("INSERT INTO {0}.{1} VALUES (%s, %s, %s) ON CONFLICT (project, line) "
                          "DO UPDATE SET fen = {1}.fen + EXCLUDED.fen").format(schema, Identifier(TABLE))

    def apply(self, project: Any, change: tuple[str, int] | None, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            if change:
                curs.execute(self.upsert, (project, *change), prepare=True)
            self._insert_tracking(curs, tracking)


class SQLiteStockView(SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {TABLE} (project TEXT, line TEXT, fen INTEGER NOT NULL, "
                "PRIMARY KEY (project, line))"]

    def apply(self, project: Any, change: tuple[str, int] | None, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            if change:
                c.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?) ON CONFLICT (project, line) "
                          "DO UPDATE SET fen = fen + excluded.fen", (str(project), *change))
            self._insert_tracking(c, tracking)


class StockTotals(Projection):
    """Set ``stop_at`` before starting: processing that position sets ``finished`` and ``finished_at``."""

    name = NAME
    stop_at = 0
    finished = threading.Event()
    finished_at = 0.0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        self.view.apply(domain_event.originator_id, _fen(domain_event), tracking)
        if tracking.notification_id >= self.stop_at and not self.finished.is_set():
            type(self).finished_at = time.perf_counter()
            self.finished.set()


def _env(db: Database) -> dict[str, str]:
    return {**db.app_env(), f"{NAME.upper()}_CREATE_TABLE": "y"}


def prefix_end(app: BudgetApp, events: int) -> int:
    """The position of the ``events``-th event of the log (positions may have gaps)."""
    return app.recorder.select_notifications(start=1, limit=events)[-1].id


def stock_seconds(db: Database, events: int, scratch: str) -> tuple[int, float]:
    """(events processed, seconds) for the stock machinery from position 0 to the ``events``-th event.

    On SQLite the library's tracking table is plain ``tracking`` whatever the projection's name,
    so the stock run works on a copy (``scratch``, a file path) and leaves bpt's database as it was.
    """
    if not db.is_postgres:
        with sqlite3.connect(db.sqlite_path) as source, sqlite3.connect(scratch) as copy:
            source.backup(copy)
        db = Database(scratch)
    app = db.open_app()
    stop_at = prefix_end(app, events)
    StockTotals.stop_at, StockTotals.finished = stop_at, threading.Event()
    started = time.perf_counter()
    if db.is_postgres:
        with ProjectionRunner(application_class=BudgetApp, projection_class=StockTotals,
                              view_class=PostgresStockView, env=_env(db)) as runner:
            while not StockTotals.finished.wait(timeout=1):
                runner.run_forever(timeout=0.01)  # re-raises an error of the processing thread
    else:
        view = InfrastructureFactory.construct(env=Environment(NAME, _env(db))).tracking_recorder(SQLiteStockView)
        projection = StockTotals(view=view)
        position = 0
        while position < stop_at:
            page = app.recorder.select_notifications(start=position + 1, limit=500, stop=stop_at)
            for notification in page:
                projection.process_event(app.mapper.to_domain_event(notification),
                                         Tracking(app.name, notification.id))
            position = page[-1].id
    app.close()
    if db.sqlite_path == scratch:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(scratch + suffix):
                os.remove(scratch + suffix)
    return events, StockTotals.finished_at - started
