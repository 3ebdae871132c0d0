"""Many events into the PostgreSQL event store at once: one binary ``COPY`` under the library's lock.

The library's insert (``PostgresApplicationRecorder.insert_events``) takes the table's
EXCLUSIVE lock, sends ``NOTIFY`` on the table's channel (what live subscribers wait for), then
inserts; notification ids come from the table's sequence in insert order, and the lock keeps
another writer's ids from interleaving before this transaction commits. ``insert`` does
the same with ``COPY … FROM STDIN (FORMAT BINARY)`` instead of ``INSERT … unnest(%s)``:
psycopg adapts a composite-type array row by row in Python (18 µs an event measured), and in
pipeline mode it hangs on a message of several MB (docs/benchmarks.md).

Every byte is built before the transaction opens (``copy_data``), so the transaction only
streams: the server kills a session idle for 5 s inside a transaction
(``idle_in_transaction_session_timeout``), and slow Python there once did exactly that at a
million events. A duplicate (originator id, version) fails the COPY with a unique violation,
raised as the library's ``IntegrityError`` like its own insert.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

# Binary COPY format (PostgreSQL docs, "COPY", "Binary Format"): signature, flags, extension length.
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
# A tuple: field count, then each field as length + bytes: uuid (16), bigint (8), topic, state.
_ROW_START = struct.Struct(">hi16siqi")
_LENGTH = struct.Struct(">i")
PIECE_BYTES = 1 << 20  # bytes per write to the COPY stream


def copy_data(mapper: Mapper, events: Iterable[DomainEventProtocol]) -> list[bytes]:
    """The COPY stream of ``events``, in pieces of about ``PIECE_BYTES``: each event one tuple of
    (originator_id, originator_version, topic, state) as the mapper stores it (so the library
    reads these rows like its own)."""
    pieces, rows, size = [], [_HEADER], 0
    for event in events:
        stored = mapper.to_stored_event(event)
        topic = stored.topic.encode()
        row = b"".join((_ROW_START.pack(4, 16, stored.originator_id.bytes, 8, stored.originator_version, len(topic)),
                        topic, _LENGTH.pack(len(stored.state)), stored.state))
        rows.append(row)
        size += len(row)
        if size >= PIECE_BYTES:
            pieces.append(b"".join(rows))
            rows, size = [], 0
    rows.append(_TRAILER)
    pieces.append(b"".join(rows))
    return pieces


def insert(recorder: PostgresApplicationRecorder, data: list[bytes]) -> None:
    """Append the events of ``data`` (from ``copy_data``) in one transaction, as the library would."""
    statement = SQL("COPY {0}.{1} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
                    ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
    with recorder.datastore.transaction(commit=True) as curs:
        for lock in recorder.lock_table_statements:
            curs.execute(lock)
        curs.execute(SQL("NOTIFY {0}").format(Identifier(recorder.channel_name)))
        with curs.copy(statement) as copy:
            for piece in data:
                copy.write(piece)
