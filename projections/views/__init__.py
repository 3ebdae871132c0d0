"""The read models: SQL tables kept from the events, with one tracking row per view.

``execution`` and ``indicators`` are applied event by event (in batches); ``scores`` is
recomputed from their rows. See docs/projections.md.
"""

from __future__ import annotations

import hashlib
from functools import cache

from bpt.projections.store.sql import Sql
from bpt.projections.views.execution import ExecutionView
from bpt.projections.views.indicators import IndicatorView
from bpt.projections.views.scores import ScoreView

TRACKING = "bpt_view_tracking"

EVENT_VIEWS = (ExecutionView(), IndicatorView())
SCORES = ScoreView()
VIEWS = {v.name: v for v in (*EVENT_VIEWS, SCORES)}


@cache
def fingerprint(name: str) -> str:
    """A view's table definitions, hashed: when the code changes them, the old rows are stale."""
    ddl = "\n".join(statement for table in VIEWS[name].tables for statement in table.ddl())
    return hashlib.sha256(ddl.encode()).hexdigest()[:16]


def create_tables(sql: Sql) -> list[str]:
    """Create every view table and tracking row that is missing (idempotent). A view whose
    tables changed is dropped and recreated at position 0 (with the scores derived from it);
    returns the names of the views that will be rebuilt from zero."""
    with sql.transaction():
        sql.run(f"CREATE TABLE IF NOT EXISTS {TRACKING} (name TEXT PRIMARY KEY, position BIGINT NOT NULL, "
                "schema TEXT NOT NULL)")
        known = dict(sql.rows(f"SELECT name, schema FROM {TRACKING}"))
        changed = [name for name in VIEWS if known.get(name, fingerprint(name)) != fingerprint(name)]
        if any(name != SCORES.name for name in changed) and SCORES.name not in changed:
            changed.append(SCORES.name)
        for name in changed:
            for table in VIEWS[name].tables:
                sql.run(f"DROP TABLE IF EXISTS {table.name}")
        for view in VIEWS.values():
            for table in view.tables:
                for statement in table.ddl():
                    sql.run(statement)
        sql.run_many(f"INSERT INTO {TRACKING} (name, position, schema) VALUES (?, 0, ?) "
                     "ON CONFLICT (name) DO UPDATE SET position = 0, schema = excluded.schema",
                     [(name, fingerprint(name)) for name in VIEWS if name in changed or name not in known])
    return changed
