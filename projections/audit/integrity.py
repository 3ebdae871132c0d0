"""Tamper evidence: re-derive every aggregate's hash chain from the stored rows.

``check_chains(bpt)`` reads the event log in position order, in batches (memory stays flat
for millions of events: it keeps one (version, hash) pair per aggregate), decodes each row
and recomputes ``bpt.domain.chain.link``. It reports, one dict per problem:

- ``edited``: the row's hash does not match its content and its predecessor's hash;
- ``deleted``: a version gap in an aggregate (``version`` = the first missing one,
  ``position`` = the next surviving row's), or, on SQLite, a gap in the positions (which the
  library never leaves: a rolled-back insert gives its rowid back; ``aggregate`` is None);
- ``undecodable``: the row cannot be decoded into an event (bad JSON, unknown type, missing
  field);
- ``out_of_order``: an aggregate's version goes backwards along the log;
- ``snapshot``: a library snapshot (a loading cache, but the application trusts it) whose
  state differs from replaying its events, or that is ahead of the events.

Each dict: ``problem, aggregate (uuid), kind, key, version, position, type, detail``
(``kind``/``key`` name the aggregate in business terms, e.g. ``ProjectYear`` / ``2021/P01``).
An empty list means the chains are intact. A superuser who rewrites a row *and* re-hashes
everything after it is not caught here; the self-assessment's recorded hashes anchor that.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import reduce
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot

from bpt.domain.chain import GENESIS, link
from bpt.projections.store.service import Bpt

BATCH = 2000
UNKNOWN = None  # the predecessor's hash, when its row could not be read


def check_chains(bpt: Bpt, *, batch: int = BATCH) -> list[dict]:
    """Every integrity problem of the event store: the rows' in log order, then the snapshots'."""
    app = bpt.app
    heads: dict[UUID, tuple[int, str | None]] = {}
    problems: list[dict] = []
    check_positions = not bpt.db.is_postgres  # PostgreSQL sequences skip ids on rollback
    last = 0
    while True:
        rows = app.recorder.select_notifications(last, batch, inclusive_of_start=False)
        for row in rows:
            if check_positions and row.id != last + 1:
                # Whose rows they were is unknown here; their aggregates show a version gap.
                problems.append({"problem": "deleted", "aggregate": None, "kind": None, "key": None, "version": None,
                                 "position": last + 1, "type": None,
                                 "detail": f"位置 {last + 1}–{row.id - 1} 的记录缺失（被删除）"})
            last = row.id
            heads[row.originator_id] = _check_row(app, row, heads.get(row.originator_id), problems)
        if len(rows) < batch:
            break
    damaged = {p["aggregate"] for p in problems}
    problems += _check_snapshots(app, heads, damaged)
    _name_aggregates(app, problems)
    return problems


def _check_row(app: Any, row: Any, head: tuple[int, str | None] | None, problems: list[dict]) -> tuple[int, str | None]:
    """Check one stored row against its aggregate's head; return the new head."""
    version = row.originator_version
    expected = head[0] + 1 if head else 1
    previous = head[1] if head else GENESIS
    if version < expected:
        problems.append(_problem("out_of_order", row, None, f"版本 {version} 出现在版本 {expected - 1} 之后"))
        return head
    if version > expected:
        gap = _problem("deleted", row, None, f"版本 {expected}–{version - 1} 缺失（被删除），位置 {row.id} 之前")
        problems.append({**gap, "version": expected, "type": None})
        previous = UNKNOWN
    try:
        event = app.mapper.to_domain_event(row)
    except Exception as e:  # noqa: BLE001 — any decoding failure is what we report
        problems.append(_problem("undecodable", row, None, f"无法解码：{type(e).__name__}: {e}"))
        return version, _raw_chain(row.state)
    fields = vars(event)
    stored = fields.get("chain")
    if not isinstance(stored, str):
        problems.append(_problem("edited", row, type(event).__name__, "缺少哈希链字段 chain"))
        return version, UNKNOWN
    if previous is not UNKNOWN and link(previous, type(event).__name__, fields) != stored:
        problems.append(_problem("edited", row, type(event).__name__, "内容与哈希链不符：此记录（或其哈希）被改动"))
    return version, stored


def _raw_chain(state: bytes) -> str | None:
    """The hash an undecodable row claims, so the rows after it can still be checked."""
    try:
        chain = json.loads(state).get("chain")
    except (ValueError, AttributeError):
        return UNKNOWN
    return chain if isinstance(chain, str) else UNKNOWN


def _problem(problem: str, row: Any, event_type: str | None, detail: str) -> dict:
    return {"problem": problem, "aggregate": str(row.originator_id), "kind": None, "key": None,
            "version": row.originator_version, "position": row.id,
            "type": event_type or _type_of_topic(row.topic), "detail": detail}


def _type_of_topic(topic: str) -> str:
    return topic.rpartition(".")[2].rpartition(":")[2]


# -- snapshots ---------------------------------------------------------------------------

def _snapshot_versions(app: Any) -> dict[UUID, list[int]]:
    """(aggregate → snapshot versions) straight from the snapshots table (no API lists them)."""
    recorder = app.snapshots.recorder
    schema = getattr(recorder.datastore, "schema", None)
    table = f'"{schema}"."{recorder.events_table_name}"' if schema else recorder.events_table_name
    versions: dict[UUID, list[int]] = defaultdict(list)
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT originator_id, originator_version FROM {table} "  # noqa: S608 — fixed names
                       "ORDER BY originator_id, originator_version")
        for row in cursor.fetchall():
            oid = row["originator_id"]
            versions[oid if isinstance(oid, UUID) else UUID(oid)].append(row["originator_version"])
    return versions


def _check_snapshots(app: Any, heads: dict[UUID, tuple[int, str | None]], damaged: set[str]) -> list[dict]:
    """Every snapshot must be behind its events; the latest one (the one loads start from)
    must equal replaying the events up to it. Older snapshots serve only reads at a past
    version, which bpt does not make, so their content is not replayed (it would cost a
    full state comparison per snapshot). Aggregates already reported damaged cannot be
    replayed and are skipped.
    """
    if app.snapshots is None:
        return []
    problems = []
    for oid, versions in _snapshot_versions(app).items():
        if str(oid) in damaged:
            continue
        head = heads.get(oid, (0, None))[0]
        where = {"aggregate": str(oid), "kind": None, "key": None, "position": None, "type": "Snapshot"}
        ahead = [v for v in versions if v > head]
        if ahead:
            problems.append({"problem": "deleted", **where, "version": ahead[0],
                             "detail": f"快照在版本 {ahead[-1]}，而事件只到版本 {head}：其后的事件被删除"})
            continue
        try:
            snapshot = next(iter(app.snapshots.get(oid, desc=True, limit=1)))
            replayed = reduce(lambda a, e: e.mutate(a), app.events.get(oid, lte=snapshot.originator_version), None)
            same = Snapshot.take(replayed).state == snapshot.state
        except Exception as e:  # noqa: BLE001 — a snapshot that cannot be decoded or replayed
            problems.append({"problem": "snapshot", **where, "version": versions[-1],
                             "detail": f"快照无法核对：{type(e).__name__}: {e}"})
            continue
        if not same:
            problems.append({"problem": "snapshot", **where, "version": snapshot.originator_version,
                             "detail": "快照内容与事件重放结果不符：快照或其之前的事件被改动"})
    return problems


def _name_aggregates(app: Any, problems: list[dict]) -> None:
    """Fill ``kind``/``key`` from each affected aggregate's creation event, when readable."""
    names: dict[str, tuple[str | None, str | None]] = {}
    for p in problems:
        if p["aggregate"] is None:
            continue
        if p["aggregate"] not in names:
            names[p["aggregate"]] = _name_of(app, UUID(p["aggregate"]))
        p["kind"], p["key"] = names[p["aggregate"]]


def _name_of(app: Any, oid: UUID) -> tuple[str | None, str | None]:
    try:
        created = next(iter(app.events.get(oid, lte=1)))
    except Exception:  # noqa: BLE001 — the creation row itself may be the damaged one
        return None, None
    kind = created.originator_topic.rpartition(":")[2]
    key = "/".join(str(getattr(created, f)) for f in ("year", "code") if hasattr(created, f))
    return kind, key
