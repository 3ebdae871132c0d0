"""One handle on a bpt database for readers and writers: the event store and the views."""

from __future__ import annotations

from functools import cached_property

from domain.application import BudgetApp
from projections.database import Database


class Bpt:
    """The database (``db``) and the application on it (``app``, opened on first use).

    The CLI, the TUI and the workers each hold one; read functions in projections/ take it.
    """

    def __init__(self, db: Database | str | None = None):
        self.db = db if isinstance(db, Database) else Database.from_option(db)

    @cached_property
    def app(self) -> BudgetApp:
        return self.db.open_app()

    def close(self) -> None:
        if "app" in self.__dict__:
            self.app.close()
