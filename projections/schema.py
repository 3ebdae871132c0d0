"""`bpt init`: everything that creates tables or database objects, in one place (idempotent)."""

from __future__ import annotations

from bpt.projections.store.database import Database
from bpt.projections.store.job_log import create_job_table
from bpt.projections.store.security import protect_event_store
from bpt.projections.store.sql import Sql
from bpt.projections.views import create_tables


def init_database(db: Database) -> None:
    """Create the event store's tables and the views'. Nothing else in bpt creates tables."""
    app = db.open_app(create_table=True)
    app.close()
    with Sql(db) as sql:
        create_tables(sql)
    create_job_table(db)
    protect_event_store(db)  # last: its grants cover every table created above
