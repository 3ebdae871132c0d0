"""The server's stamps on stored events: which database login inserted each, and when (PostgreSQL).

``bpt init`` installs them (``bpt.projections.store.security.stamp_events``): a trigger writes
``(notification_id, session_user, clock_timestamp())`` into ``bpt_event_stamps`` for every row
inserted into ``bpt_events``, with rights no app login holds. The declared ``operator`` and the
event's ``recorded_at`` are the client's word; ``login`` and ``server_recorded_at`` are the server's.
On SQLite (one file, no logins) there are no stamps: the functions return nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bpt.projections.store.service import Bpt

STAMPS_TABLE = "bpt_event_stamps"


def _schema(bpt: Bpt) -> str:
    return bpt.db.app_env().get("POSTGRES_SCHEMA", "public")


def has_stamps(bpt: Bpt) -> bool:
    """True on a PostgreSQL database whose ``bpt init`` installed the stamps."""
    if not bpt.db.is_postgres:
        return False
    with bpt.db.connect_pg() as conn:
        return conn.execute("SELECT to_regclass(%s)", [f"{_schema(bpt)}.{STAMPS_TABLE}"]).fetchone()[0] is not None


def stamps_of(bpt: Bpt, positions: Iterable[int]) -> dict[int, tuple[str, datetime]]:
    """position → (login, server time) of the stamped events among ``positions``."""
    wanted = sorted(set(positions))
    if not wanted or not has_stamps(bpt):
        return {}
    with bpt.db.connect_pg() as conn:
        rows = conn.execute(f"SELECT notification_id, login, stamped_at FROM {_schema(bpt)}.{STAMPS_TABLE} "  # noqa: S608
                            "WHERE notification_id = ANY(%s)", [wanted]).fetchall()
    return {n: (login, at) for n, login, at in rows}


def with_stamps(bpt: Bpt, rows: list[dict]) -> list[dict]:
    """Add ``login`` and ``server_recorded_at`` (None where unstamped, e.g. SQLite) to log rows."""
    found = stamps_of(bpt, (r["position"] for r in rows))
    for r in rows:
        login, at = found.get(r["position"], (None, None))
        r["login"], r["server_recorded_at"] = login, at.isoformat() if at else None
    return rows


def known_position(bpt: Bpt, known_at: datetime) -> int | None:
    """The last position the server had stamped at ``known_at`` (inserts are serialised by the
    library's table lock, so positions follow the server's clock); None without stamps, where
    the events' own recording times are all there is."""
    if not has_stamps(bpt):
        return None
    with bpt.db.connect_pg() as conn:
        return conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {_schema(bpt)}.{STAMPS_TABLE} "  # noqa: S608
                            "WHERE stamped_at <= %s", [known_at]).fetchone()[0]
