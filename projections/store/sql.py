"""One connection to the view tables, the same SQL on SQLite and PostgreSQL.

Statements are written once with ``?`` placeholders (sqlite3's style) and rewritten to ``%s``
for psycopg; so no statement may contain a literal ``?`` or ``%``. A transaction takes the
write lock at its start (SQLite ``BEGIN IMMEDIATE``; PostgreSQL locks the tracking rows with
``FOR UPDATE``), so two processes catching up never apply the same batch.

View transactions do not wait for their commit to reach the disk (PostgreSQL
``synchronous_commit = off``, SQLite ``synchronous = NORMAL`` in WAL mode): still atomic, so a
crash of the machine can only lose whole batches — rows and tracking position together — which
the next catch-up applies again. The views are derived data; the events keep full durability.

Amounts are stored as integer 分 and scores as integer hundredths of a point: exact, and
summable in SQL on both engines. They become Decimal again at this edge.
"""

from __future__ import annotations

import os
import select
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from psycopg.pq import TransactionStatus

from bpt.projections.store.database import Database

HUNDRED = Decimal(100)
# How long a writer waits for SQLite's lock (the event writers hold it briefly too).
SQLITE_TIMEOUT_S = 30


def to_cents(value: Decimal) -> int:
    """元 (or points) → integer hundredths; refuses to drop a fraction of a cent."""
    cents = value * HUNDRED
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} has more than 2 decimals")
    return int(cents)


def from_cents(cents: int | None) -> Decimal:
    return Decimal(cents or 0).scaleb(-2)


class Sql:
    """A connection to the database of ``db``, used by the view runner and the queries."""

    def __init__(self, db: Database):
        self.postgres = db.is_postgres
        if self.postgres:
            self.conn = db.connect_pg()
            self.conn.autocommit = True  # transactions are explicit: see transaction()
            schema = os.environ.get("BPT_POSTGRES_SCHEMA")
            if schema:
                self.conn.execute(f'SET search_path TO "{schema}"')
        else:
            # Shared by the threads of one handle, one at a time (``Bpt.views``).
            self.conn = sqlite3.connect(db.sqlite_path, isolation_level=None, timeout=SQLITE_TIMEOUT_S,
                                        check_same_thread=False)
            self.conn.execute("PRAGMA synchronous = NORMAL")

    def close(self) -> None:
        self.conn.close()

    @property
    def in_transaction(self) -> bool:
        if self.postgres:
            return self.conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)
        return self.conn.in_transaction

    def reusable(self) -> bool:
        """Idle and, as far as can be told without a round trip, still connected: an idle
        PostgreSQL connection has nothing to read unless the server closed it (restart, crash,
        idle timeout)."""
        if not self.postgres:
            return not self.conn.in_transaction
        if self.conn.closed or self.conn.info.transaction_status != TransactionStatus.IDLE:
            return False
        idle = select.poll()
        idle.register(self.conn.fileno(), select.POLLIN)
        return not idle.poll(0)

    def __enter__(self) -> Sql:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _statement(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.conn.execute(self._statement(statement), params)
        return cursor.fetchall() if cursor.description else []

    def run(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(self._statement(statement), params)

    def run_many(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.postgres:
            with self.conn.cursor() as cursor:
                cursor.executemany(self._statement(statement), rows)
        else:
            self.conn.executemany(statement, rows)

    def insert_many(self, table: str, columns: dict[str, str], rows: Iterable[Sequence[Any]], conflict: str = "") -> None:
        """Insert ``rows`` (``columns``: name → PostgreSQL type) in one round trip on PostgreSQL,
        where ``executemany`` would make one per row. ``conflict``: an ``ON CONFLICT …`` clause.

        Without a conflict clause the rows go by binary ``COPY`` (formatted in psycopg's C code:
        a quarter of the CPU of the array parameters below). With one, the columns travel as
        arrays and ``unnest`` turns them back into rows (measured: copying into a staging
        table first, then one ``INSERT … SELECT``, costs more in round trips than it saves)."""
        rows = list(rows)
        if not rows:
            return
        names = ", ".join(columns)
        if not self.postgres:
            self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))}) {conflict}",
                                  rows)
            return
        if not conflict:
            with self.conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(list(columns.values()))
                for row in rows:
                    copy.write_row(row)
            return
        arrays = ", ".join(f"%b::{kind}[]" for kind in columns.values())  # binary: no text quoting
        self.conn.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {conflict}",
                          [list(column) for column in zip(*rows, strict=True)])

    @contextmanager
    def transaction(self) -> Iterator[Sql]:
        """One atomic unit: everything inside commits together or not at all."""
        # PostgreSQL: BEGIN and the commit mode in one round trip (no parameters: one simple query).
        self.conn.execute("BEGIN; SET LOCAL synchronous_commit TO OFF" if self.postgres else "BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.in_transaction:  # not when BEGIN failed or the connection is gone
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @property
    def for_update(self) -> str:
        """The suffix that makes a SELECT lock its rows until commit (SQLite holds a file lock)."""
        return " FOR UPDATE" if self.postgres else ""

    def truncate(self, table: str) -> None:
        self.run(f"TRUNCATE {table}" if self.postgres else f"DELETE FROM {table}")
