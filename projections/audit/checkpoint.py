"""Checkpoints: anchors of the hash chains, taken now and compared later (issue 25).

A checkpoint is the head (version, chain hash) of every aggregate and the log's head position.
Whoever rewrites an aggregate's events and re-hashes everything after them keeps the chains
valid; against a checkpoint taken before, the head it anchored has another hash (re-hashed), is
gone (deleted tail) or the log ends before its position (rewound).

- PostgreSQL: ``take_checkpoint`` calls ``bpt_checkpoint()``, a SECURITY DEFINER function that
  computes the heads on the server from ``bpt_events`` itself and appends them to
  ``bpt_checkpoints`` (append-only; the app and reviewer roles only read it): an app login can
  ask for a checkpoint but not write one's content. ``bpt verify`` compares with the latest.
- SQLite: the heads are computed here; the document is only worth something kept elsewhere
  (``bpt checkpoint -o FILE``), and is compared by ``bpt verify --against FILE``.

``compare(bpt, checkpoint)`` → findings ``problem`` (rehashed | deleted | rewound), ``aggregate``,
``version``, ``position``, ``detail``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from bpt.domain.refusal import Refusal
from bpt.projections.store.eventlog import head
from bpt.projections.store.service import Bpt

FORMAT = "bpt-checkpoint/1"
TABLE = "bpt_checkpoints"


def _schema(bpt: Bpt) -> str:
    return bpt.db.app_env().get("POSTGRES_SCHEMA", "public")


def _server_side(bpt: Bpt) -> bool:
    if not bpt.db.is_postgres:
        return False
    with bpt.db.connect_pg() as conn:
        return conn.execute("SELECT to_regclass(%s)", [f"{_schema(bpt)}.{TABLE}"]).fetchone()[0] is not None


def _document(bpt: Bpt, number: int | None, taken_at: datetime, login: str | None, position: int,
              heads: dict[str, list]) -> dict:
    return {"format": FORMAT, "database": bpt.db.public_url, "checkpoint": number, "taken_at": taken_at.isoformat(),
            "login": login, "position": position, "heads": heads}


def take_checkpoint(bpt: Bpt) -> dict:
    """Anchor the current heads (stored by the server on PostgreSQL); returns the checkpoint."""
    if _server_side(bpt):
        with bpt.db.connect_pg() as conn:
            number = conn.execute(f"SELECT {_schema(bpt)}.bpt_checkpoint()").fetchone()[0]
        return latest_checkpoint(bpt, number)
    return _document(bpt, None, datetime.now(timezone.utc), None, head(bpt), _heads(bpt))


def _heads(bpt: Bpt) -> dict[str, list]:
    """aggregate → [version, chain] of its newest event, read on the client (SQLite)."""
    app = bpt.app
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT originator_id, max(originator_version) FROM {app.recorder.events_table_name} "  # noqa: S608
                       "GROUP BY originator_id")
        rows = cursor.fetchall()
    out = {}
    for oid, version in rows:
        oid = oid if isinstance(oid, UUID) else UUID(oid)
        out[str(oid)] = [version, _chain_at(bpt, oid, version)]
    return out


def _chain_at(bpt: Bpt, oid: UUID, version: int) -> str | None:
    """The chain hash of one stored event (None when it is not there or cannot be read)."""
    try:
        found = list(bpt.app.events.get(oid, gt=version - 1, lte=version))
    except Exception:  # noqa: BLE001 — an undecodable row is the chain check's finding
        return None
    return found[0].chain if found else None


def latest_checkpoint(bpt: Bpt, number: int | None = None) -> dict | None:
    """The latest checkpoint the server stored (or checkpoint ``number``); None if none."""
    if not _server_side(bpt):
        return None
    where, params = ("WHERE id = %s", [number]) if number is not None else ("", [])
    with bpt.db.connect_pg() as conn:
        row = conn.execute(f"SELECT id, taken_at, login, position, heads FROM {_schema(bpt)}.{TABLE} {where} "  # noqa: S608
                           "ORDER BY id DESC LIMIT 1", params).fetchone()
    return _document(bpt, *row) if row else None


def read_checkpoint(path: str) -> dict:
    """A checkpoint file written by ``bpt checkpoint -o``, refused when it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise Refusal("--against", f"无法读取检查点文件 {path}：{e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("heads"), dict):
        raise Refusal("--against", f"{path} 不是 bpt 检查点文件（{FORMAT}）")
    return doc


def compare(bpt: Bpt, checkpoint: dict) -> list[dict]:
    """Every anchored head that the store no longer holds as it was."""
    where = f"检查点（{checkpoint['taken_at']}）"
    found = []
    now = head(bpt)
    if now < checkpoint["position"]:
        found.append({"problem": "rewound", "aggregate": None, "version": None, "position": checkpoint["position"],
                      "detail": f"事件日志只到位置 {now}，而{where}时已到位置 {checkpoint['position']}：日志末尾被删除"})
    for oid, (version, chain) in sorted(checkpoint["heads"].items()):
        stored = _chain_at(bpt, UUID(oid), version)
        if stored is None:
            found.append({"problem": "deleted", "aggregate": oid, "version": version, "position": None,
                          "detail": f"{where}记录的版本 {version} 已不在（或无法读取）：其后的事件被删除"})
        elif stored != chain:
            found.append({"problem": "rehashed", "aggregate": oid, "version": version, "position": None,
                          "detail": f"版本 {version} 的哈希与{where}记录的不同：此前的事件被改写并重算了哈希"})
    return found


def write_checkpoint(doc: dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
