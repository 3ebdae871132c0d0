"""`bpt init`: everything that creates tables or database objects, in one place (idempotent)."""

from __future__ import annotations

from projections.database import Database


def init_database(db: Database) -> None:
    """Create the event store's tables. Nothing else in bpt creates tables."""
    app = db.open_app(create_table=True)
    app.close()
