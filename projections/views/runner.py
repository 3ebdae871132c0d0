"""Keeping the views current: batched catch-up, rebuild from zero, live mode.

Exactly once: a batch's view rows and the views' tracking positions are written in one
transaction, which first locks the tracking rows; the batch is read from just after the
locked positions. A process killed anywhere loses its open transaction, nothing else; the
next run starts from the last committed positions. See docs/projections.md.

``python -m bpt.projections.views.runner [--db URL] [--once]`` is the long-running projection process
(``bpt projections run`` does the same from the command line).
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg import sql as pgsql

from bpt.domain.application import BudgetApp
from bpt.domain.refusal import Refusal
from bpt.projections.store.eventlog import batch_after
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql
from bpt.projections.store.gcpause import gc_paused
from bpt.projections.store.stored import Decoder
from bpt.projections.views import EVENT_VIEWS, SCORES, TRACKING, VIEWS, fingerprint
from bpt.projections.views.base import EventView

Progress = Callable[[int, int], None]
BATCH_SIZE = 2000
# A rebuild holds no lock others wait on for long and has every event to apply: bigger batches
# mean fewer statements, and fewer daily rows (a project's movements of one day merge). Measured
# at 110,021 events on PostgreSQL: 5,000 is ~15% faster than 2,000, 10,000 no faster than 5,000.
REBUILD_BATCH_SIZE = 5000
LONG_CATCH_UP = 10  # batches
# Live mode: how often to look for new events without a wake-up (SQLite has no NOTIFY;
# on PostgreSQL this is only the safety net behind LISTEN).
SQLITE_POLL_S = 0.2
PG_FALLBACK_POLL_S = 5.0
# Errors of a database that went away or is busy: live mode waits and tries again.
TRANSIENT = (psycopg.OperationalError, sqlite3.OperationalError, PersistenceError)


def _read_positions(sql: Sql, lock: bool = False) -> dict[str, int]:
    return {name: int(position) for name, position in
            sql.rows(f"SELECT name, position FROM {TRACKING}{sql.for_update if lock else ''}")}


def _head_and_positions(app: BudgetApp, sql: Sql) -> tuple[int, dict[str, int]]:
    """The head of the event store and the views' positions (one round trip), once it is known
    that the view tables are those of this code."""
    notification_id = "notification_id" if sql.postgres else "rowid"  # as the library's recorders number them
    try:
        rows = sql.rows(f"SELECT name, position, schema, (SELECT MAX({notification_id}) FROM "
                        f"{app.recorder.events_table_name}) FROM {TRACKING}")
    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        rows = []
    if {name for name, *_ in rows} != set(VIEWS):
        raise Refusal("数据库", "视图表尚未建立，请先运行 bpt init")
    if any(schema != fingerprint(name) for name, _, schema, _ in rows):
        raise Refusal("数据库", "视图表结构已随版本更新，请运行 bpt init（将从事件重建视图）")
    return rows[0][3] or 0, {name: int(position) for name, position, _, _ in rows}


def _set_positions(sql: Sql, names: Iterable[str], position: int) -> None:
    names = list(names)
    sql.run(f"UPDATE {TRACKING} SET position = ? WHERE name IN ({', '.join('?' * len(names))})", [position, *names])


# -- catch-up -------------------------------------------------------------------------------

def catch_up(bpt: Bpt, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> int:
    """Apply every event recorded so far to the views that lack it; returns the events applied."""
    with bpt.views() as sql:
        return catch_up_on(bpt.app, sql, batch_size, progress)


def catch_up_on(app: BudgetApp, sql: Sql, batch_size: int = BATCH_SIZE, progress: Progress | None = None,
                *, score_touched: bool = True) -> int:
    """``catch_up`` on an open connection (readers reuse theirs to query afterwards).

    The batch that brings the event views to the head also brings the scores there, in its
    own transaction: a single new event costs one transaction. ``score_touched`` False
    (rebuilds): recompute every score instead of the scores of the projects the new events touched.
    """
    head, at_start = _head_and_positions(app, sql)
    if min(at_start.values()) >= head:
        return 0
    if sql.postgres and head - min(at_start.values()) > LONG_CATCH_UP * batch_size:
        # A freshly loaded events table has no planner statistics: PostgreSQL would then read
        # each batch with a bitmap scan and a sort of everything after it (100× slower).
        sql.run(f"ANALYZE {app.recorder.events_table_name}")
    # The touched projects are known only while this call applied every event since the
    # scores' position; any gap (another process's batch in between) means: recompute all.
    covered = at_start[SCORES.name] if score_touched and _in_step(at_start) else None
    touched: tuple[set[str], set[str]] = (set(), set())
    applied, reader, done = 0, _Reader(app, batch_size), False
    try:
        while not done:
            with sql.transaction():
                positions = _read_positions(sql, lock=True)
                locked = dict(positions)
                events_at = [positions[v.name] for v in EVENT_VIEWS]
                start, target = min(events_at), max(head, *events_at)
                end, count = start, 0
                if start < target:
                    if covered is not None and set(events_at) != {covered}:
                        covered = None
                    end, count = _apply_batch(reader, sql, positions, start, target,
                                              touched if covered is not None else None)
                    covered = end if covered is not None else None
                done = end >= target
                if done:
                    _sync_scores(sql, positions, touched if covered is not None else None, at_start[SCORES.name],
                                 covered)
                moved = [name for name, at in positions.items() if at != locked[name]]
                if moved:
                    _set_positions(sql, moved, end)
            applied += count
            if progress and end > start:
                progress(end, target)
    finally:
        reader.close()
    return applied


def _in_step(positions: dict[str, int]) -> bool:
    """The scores were computed at the position every event view is at."""
    return all(positions[v.name] == positions[SCORES.name] for v in EVENT_VIEWS)


# The views behind in a batch, each with its position: the events after it are applied to it.
Behind = tuple[tuple[EventView, int], ...]


@dataclass
class _Prepared:
    """A batch read, decoded and applied in memory, not yet written: each view's batch, the
    projects and departments whose scores it makes stale, where it ends, how many events."""

    batches: dict[str, Any]
    touched: tuple[set[str], set[str]]
    end: int
    count: int


class _Reader:
    """Prepares the batches of a catch-up. The next batch is read, decoded and applied to the
    views' in-memory batches in a thread while the current one is written, so that work
    overlaps the database's; a batch prepared from positions another process has since moved
    is thrown away."""

    def __init__(self, app: BudgetApp, batch_size: int):
        self.app, self.batch_size = app, batch_size
        self.decode = Decoder(app.mapper)
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.ahead: tuple[tuple, Future] | None = None

    def _prepare(self, start: int, target: int, behind: Behind) -> _Prepared:
        # Only the events some view reads are fetched and decoded (a self-assessment carries a whole report).
        topics = tuple(sorted({topic for view, _ in behind for topic in view.topics()}))
        rows = batch_after(self.app, start, target, topics, self.batch_size)
        # When the page is not full, every event up to ``target`` has been seen.
        end = rows[-1][0] if len(rows) == self.batch_size else target
        prepared = _Prepared({view.name: view.new_batch() for view, _ in behind}, (set(), set()), end, len(rows))
        decode, batches = self.decode, prepared.batches
        with gc_paused():
            for at, oid, version, topic, state in rows:
                event = decode(topic, oid, version, state)
                for view, position in behind:
                    if at > position:
                        view.apply(batches[view.name], event, at)
                SCORES.note(event, *prepared.touched)
        return prepared

    def batch(self, start: int, target: int, behind: Behind) -> _Prepared:
        """The batch after ``start`` (at most ``batch_size`` events, up to ``target``)."""
        key, (ahead, self.ahead) = (start, target, behind), (self.ahead, None)
        prepared = ahead[1].result() if ahead and ahead[0] == key else self._prepare(*key)
        if prepared.end < target:
            # Next time the same views are behind, all at this batch's end.
            following = (prepared.end, target, tuple((view, prepared.end) for view, _ in behind))
            self.ahead = (following, self.pool.submit(self._prepare, *following))
        return prepared

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _apply_batch(reader: _Reader, sql: Sql, positions: dict[str, int], start: int, target: int,
                 touched: tuple[set[str], set[str]] | None) -> tuple[int, int]:
    """Apply the batch after ``start`` to the views behind; returns the position it ends at
    (now theirs in ``positions``) and the events applied."""
    behind = tuple((view, positions[view.name]) for view in EVENT_VIEWS if positions[view.name] < target)
    prepared = reader.batch(start, target, behind)
    for view, _ in behind:
        view.flush(sql, prepared.batches[view.name])
        positions[view.name] = prepared.end
    if touched is not None:
        for noted, new in zip(touched, prepared.touched, strict=True):
            noted |= new
    return prepared.end, prepared.count


def _sync_scores(sql: Sql, positions: dict[str, int], touched: tuple[set[str], set[str]] | None, since: int,
                 covered: int | None) -> None:
    """Bring the scores to the event views' position (then theirs in ``positions``): the touched
    projects, or all of them. Inside the transaction that locked ``positions``."""
    events_at = {positions[v.name] for v in EVENT_VIEWS}
    if len(events_at) != 1:
        return  # a partial rebuild is under way elsewhere: whoever finishes it syncs
    (position,) = events_at
    if positions[SCORES.name] >= position:
        return
    if touched is not None and positions[SCORES.name] == since and covered == position:
        SCORES.recompute_touched(sql, *touched)
    else:
        SCORES.recompute_all(sql)
    positions[SCORES.name] = position


# -- rebuild --------------------------------------------------------------------------------

def view_names(views: Iterable[str] | None) -> list[str]:
    """The views to rebuild: the named ones (all when None) and the scores derived from them."""
    names = list(VIEWS) if not views else list(dict.fromkeys(views))
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        raise Refusal("视图", f"没有视图“{'、'.join(unknown)}”（可选：{'、'.join(VIEWS)}）")
    if SCORES.name not in names:
        names.append(SCORES.name)
    return names


def reset(bpt: Bpt, views: Iterable[str] | None = None) -> list[str]:
    """Empty the views (and the scores) and set their positions to zero; returns their names."""
    names = view_names(views)
    with bpt.views() as sql:
        _head_and_positions(bpt.app, sql)  # refuses view tables of another version
        with sql.transaction():
            _read_positions(sql, lock=True)
            for name in names:
                for table in VIEWS[name].tables:
                    sql.truncate(table.name)
            _set_positions(sql, names, 0)
    return names


def rebuild(bpt: Bpt, views: list[str] | None = None, progress: Progress | None = None,
            batch_size: int = REBUILD_BATCH_SIZE) -> int:
    """Rebuild views from position zero (all when None); returns the events applied."""
    reset(bpt, views)
    # A rebuild leaves no cyclic garbage (measured: gc.collect() after one finds none), so the
    # cyclic collector's passes over every batch's events would be ~10% of its time for nothing.
    with bpt.views() as sql, gc_paused():
        return catch_up_on(bpt.app, sql, batch_size, progress, score_touched=False)


def positions(bpt: Bpt) -> dict[str, tuple[int, int]]:
    """Each view's position against the head of the event store."""
    with bpt.views() as sql:
        head, at = _head_and_positions(bpt.app, sql)
    return {name: (at[name], head) for name in VIEWS}


# -- live mode ------------------------------------------------------------------------------

class _Wakeup:
    """Waits for new events: LISTEN/NOTIFY on PostgreSQL (the library notifies the channel
    on every insert), plain polling on SQLite."""

    def __init__(self, bpt: Bpt):
        self.bpt = bpt
        self.conn = None

    def listen(self) -> None:
        """Subscribe before catching up: an event committed after this wakes the next wait."""
        if self.bpt.db.is_postgres and self.conn is None:
            channel = getattr(self.bpt.app.recorder, "channel_name", "bpt_events")
            self.conn = self.bpt.db.connect_pg()
            self.conn.autocommit = True
            self.conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))

    def wait(self, stop: threading.Event) -> None:
        if self.conn is None:
            stop.wait(SQLITE_POLL_S)
            return
        waited = 0.0
        while not stop.is_set() and waited < PG_FALLBACK_POLL_S:
            for _ in self.conn.notifies(timeout=0.25, stop_after=1):
                return
            waited += 0.25

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_live(bpt: Bpt, stop: threading.Event, on_change: Callable[[int], None] | None = None,
             batch_size: int = BATCH_SIZE) -> None:
    """Keep the views current until ``stop`` is set; ``on_change(applied)`` after each catch-up
    that applied events. A database that goes away is waited for, then resumed."""
    wakeup = _Wakeup(bpt)
    backoff = 0.5
    try:
        while not stop.is_set():
            try:
                wakeup.listen()
                applied = catch_up(bpt, batch_size)
                if applied and on_change:
                    on_change(applied)
                wakeup.wait(stop)
                backoff = 0.5
            except TRANSIENT as e:
                print(f"投影：数据库暂不可用（{type(e).__name__}），{backoff:.1f} 秒后重试", file=sys.stderr, flush=True)
                wakeup.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
    finally:
        wakeup.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bpt.projections.views.runner", description="bpt 投影进程：保持视图与事件同步")
    parser.add_argument("--db", default=None, help="数据库地址（默认 BPT_DATABASE_URL 或 ./bpt.db）")
    parser.add_argument("--once", action="store_true", help="追上当前事件后退出")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args(argv)
    bpt = Bpt(args.db)
    try:
        if args.once:
            at = positions(bpt)
            print(f"start {min(p for p, _ in at.values())}/{max(h for _, h in at.values())}", flush=True)
            applied = catch_up(bpt, args.batch_size, lambda at, head: print(f"{at}/{head}", flush=True))
            print(f"applied {applied}", flush=True)
            return 0
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        print(f"投影进程已启动：{bpt.db.public_url}", flush=True)
        run_live(bpt, stop, lambda applied: print(f"已应用 {applied} 个事件", flush=True), args.batch_size)
        return 0
    except Refusal as refusal:
        print(f"错误：{refusal}", file=sys.stderr)
        return 2
    finally:
        bpt.close()


if __name__ == "__main__":
    sys.exit(main())
