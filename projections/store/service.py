"""One handle on a bpt database for readers and writers: the event store and the views."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from bpt.domain.application import BudgetApp
from bpt.projections.store.database import Database
from bpt.projections.store.sql import Sql


class Bpt:
    """The database (``db``), the application on it (``app``, opened on first use) and the
    connections to its views (``views()``).

    The CLI, the TUI and the workers each hold one; read functions in projections/ take it.
    """

    def __init__(self, db: Database | str | None = None):
        self.db = db if isinstance(db, Database) else Database.from_option(db)
        # View connections not in use. Connecting costs more than a whole catch-up (PostgreSQL
        # authenticates and plans afresh), so they are kept; one per thread using the handle at once.
        self._idle: list[Sql] = []
        self._guard = threading.Lock()
        self._closed = False

    @cached_property
    def app(self) -> BudgetApp:
        return self.db.open_app()

    @contextmanager
    def views(self) -> Iterator[Sql]:
        """A connection to the view tables, this thread's alone until the block ends. A kept
        connection the server has closed meanwhile (restart, idle timeout) is replaced."""
        sql = self._kept() or self._connect()
        try:
            yield sql
        finally:
            with self._guard:
                keep = not self._closed and sql.reusable()
                if keep:
                    self._idle.append(sql)
            if not keep:
                sql.close()

    def _connect(self) -> Sql:
        if not self.db.is_postgres and not os.path.exists(self.db.sqlite_path):
            raise self.db.not_initialised()  # reading must not leave an empty file behind
        return Sql(self.db)

    def _kept(self) -> Sql | None:
        """An idle connection that can still be used, if there is one (closing those that cannot)."""
        while True:
            with self._guard:
                if not self._idle:
                    return None
                sql = self._idle.pop()
            if sql.reusable():
                return sql
            sql.close()

    def close(self) -> None:
        with self._guard:
            idle, self._idle, self._closed = self._idle, [], True
        for sql in idle:
            sql.close()
        if "app" in self.__dict__:
            self.app.close()
