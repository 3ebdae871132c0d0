"""Where the data lives: a database URL → the event store's settings and view connections.

``sqlite:///path`` or a plain path selects the embedded SQLite file (default ``./bpt.db``);
``postgresql://user[:pw]@host[:port]/dbname`` selects PostgreSQL. The events and the views
live in the same database, so a view row and its tracking position commit together.
"""

from __future__ import annotations

import fcntl
import os
import random
import sqlite3
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from urllib.parse import unquote, urlparse, urlunparse

from eventsourcing.persistence import OperationalError

from bpt.domain.application import UNAVAILABLE_S, BudgetApp, one_line
from bpt.domain.refusal import Refusal, Unavailable

DEFAULT_URL = "bpt.db"


@dataclass(frozen=True)
class Database:
    url: str

    @classmethod
    def from_option(cls, option: str | None) -> Database:
        return cls(option or os.environ.get("BPT_DATABASE_URL") or DEFAULT_URL)

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        from bpt.projections.store.failure import without_password

        return without_password(self.url)

    def not_initialised(self) -> Unavailable:
        return Unavailable("数据库", f"{self.display_url} 尚未初始化，请先运行 bpt init")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    @property
    def public_url(self) -> str:
        """The URL as printed, logged and passed in job arguments: without its password (a
        worker supplies its own, see ``with_configured_credentials``)."""
        u = urlparse(self.url)
        if not self.is_postgres or u.password is None:
            return self.url
        userinfo, _, hostport = u.netloc.rpartition("@")
        return urlunparse(u._replace(netloc=f"{userinfo.partition(':')[0]}@{hostport}"))

    @property
    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///").removeprefix("sqlite://")

    def _pg(self):
        u = urlparse(self.url)
        if not u.path.strip("/"):
            raise Refusal("数据库", f"PostgreSQL 地址缺少数据库名：{self.display_url}")
        return u

    def app_env(self, *, create_table: bool = False) -> dict[str, str]:
        """The eventsourcing settings. Tables are created only by ``bpt init`` (create_table)."""
        env = {"CREATE_TABLE": "y" if create_table else "n"}
        if self.is_postgres:
            u = self._pg()
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=unquote(u.path.strip("/")),
                POSTGRES_HOST=u.hostname or "127.0.0.1",
                POSTGRES_PORT=str(u.port or 5432),
                POSTGRES_USER=unquote(u.username or "postgres"),
                POSTGRES_PASSWORD=unquote(u.password or ""),
                POSTGRES_POOL_SIZE=os.environ.get("POSTGRES_POOL_SIZE", "3"),
                POSTGRES_MAX_OVERFLOW=os.environ.get("POSTGRES_MAX_OVERFLOW", "5"),
                # The pool's wait for a connection; the library tries each call 10 times, so
                # with the server down a command is refused after ~10 × this (domain/application.py).
                POSTGRES_CONNECT_TIMEOUT=os.environ.get("POSTGRES_CONNECT_TIMEOUT", "2"),
                POSTGRES_PRE_PING="y",
            )
            schema = os.environ.get("BPT_POSTGRES_SCHEMA")
            if schema:
                env["POSTGRES_SCHEMA"] = schema
        else:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=self.sqlite_path,
                SQLITE_LOCK_TIMEOUT="30",
            )
        return env

    def exists(self) -> bool:
        """True when the event store's tables are there (``bpt init`` has run)."""
        if self.is_postgres:
            with self.connect_pg() as conn:
                row = conn.execute("SELECT to_regclass('bpt_events')").fetchone()
                return row[0] is not None
        if not os.path.exists(self.sqlite_path):
            return False
        with sqlite3.connect(self.sqlite_path) as conn:
            return conn.execute("SELECT 1 FROM sqlite_master WHERE name='stored_events'").fetchone() is not None

    def connect_pg(self):
        import psycopg

        u = self._pg()
        return psycopg.connect(
            dbname=unquote(u.path.strip("/")), host=u.hostname or "127.0.0.1", port=u.port or 5432,
            user=unquote(u.username or "postgres"), password=unquote(u.password or "") or None,
            connect_timeout=5,
        )

    def open_app(self, *, create_table: bool = False) -> BudgetApp:
        """The application on this database, waiting up to UNAVAILABLE_S for a server that is
        unreachable (restarting, or a machine so loaded that connecting outlasts the pool's timeout)."""
        began = time.monotonic()
        while True:
            try:
                return self._open_app(create_table)
            except Exception as e:
                if not _unreachable(e):
                    raise
                if time.monotonic() - began > UNAVAILABLE_S:
                    raise Unavailable("数据库", f"数据库暂时不可用（{one_line(e)}），请稍后再试") from None
                time.sleep(random.uniform(0.1, 0.5))

    def _open_app(self, create_table: bool) -> BudgetApp:
        if not create_table and not self.exists():
            raise self.not_initialised()
        lock = nullcontext if self.is_postgres else partial(file_lock, self.sqlite_path + ".lock")
        return BudgetApp(env=self.app_env(create_table=create_table), write_lock=lock)


def with_configured_credentials(url: str) -> str:
    """A job names its database without a password (``Database.public_url``): this process's own
    ``BPT_DATABASE_URL``, when it is the same database, supplies the credentials; otherwise libpq's
    own sources apply (PGPASSWORD, PGPASSFILE / ~/.pgpass, PGSERVICEFILE)."""
    own = os.environ.get("BPT_DATABASE_URL")
    return own if own and Database(own).public_url == url else url


def _unreachable(error: Exception) -> bool:
    """The server could not be reached (the library's error, or psycopg's from ``exists``); a
    missing database or a refused login is no reason to wait: it is reported at once."""
    if any(s in str(error) for s in _NOT_TRANSIENT):
        return False
    if isinstance(error, OperationalError):
        return True
    import psycopg

    return isinstance(error, psycopg.OperationalError)


# Connection errors that waiting will not cure (psycopg's messages; the server's are English).
_NOT_TRANSIENT = ("does not exist", "authentication failed", "no password supplied", "permission denied")


@contextmanager
def file_lock(path: str):
    """An exclusive lock across processes on one SQLite file (released if the holder dies)."""
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
