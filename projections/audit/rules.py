"""Rule replay over the whole log: every stored event its command would have refused.

``check_rules(bpt)`` reads the log in position order (in batches, as ``check_chains`` does),
replays every aggregate and, before applying each event, asks ``bpt.domain.replay`` whether the
event's command would have recorded it on the state before it. A row inserted by a database
login past the commands (an overspending payment, a reused voucher, a date outside the year, a
reversal of nothing, a score outside its band, a project nobody registered) is a finding, with
its position, aggregate and rule, whatever its hash.

Each dict: ``problem`` ("rule"), ``aggregate``, ``kind``, ``key`` (e.g. ``2021/P01``),
``version``, ``position``, ``type``, ``rule`` (the refused field), ``detail`` (the refusal).
Rows that do not decode, or aggregates whose versions have a gap, are the chain check's
findings: their aggregate is not replayed further here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from bpt.domain.replay import check_creation, check_event
from bpt.projections.store.service import Bpt

BATCH = 2000


def check_rules(bpt: Bpt, *, batch: int = BATCH) -> list[dict]:
    """Every stored event that the command recording it would have refused, in log order."""
    app = bpt.app
    state: dict[UUID, Any] = {}
    broken: set[UUID] = set()
    problems: list[dict] = []
    last = 0
    while True:
        rows = app.recorder.select_notifications(last, batch, inclusive_of_start=False)
        for row in rows:
            last = row.id
            if row.originator_id not in broken:
                _replay_row(app, row, state, broken, problems)
        if len(rows) < batch:
            break
    return problems


def _replay_row(app: Any, row: Any, state: dict[UUID, Any], broken: set[UUID], problems: list[dict]) -> None:
    oid = row.originator_id
    try:
        event = app.mapper.to_domain_event(row)
    except Exception:  # noqa: BLE001 — an undecodable row is the chain check's finding
        broken.add(oid)
        return
    aggregate = state.get(oid)
    try:
        found = check_creation(event, state.get) if aggregate is None else check_event(aggregate, event, state.get)
    except Exception as error:  # noqa: BLE001 — a field the command cannot even take (wrong type)
        found = ("事件内容", f"其命令无法处理此事件：{type(error).__name__}: {error}")
    if found:
        problems.append(_problem(row, event, aggregate, found))
    try:
        state[oid] = event.mutate(aggregate)
    except Exception:  # noqa: BLE001 — a version gap or a creation event missing: the chain check says
        broken.add(oid)
        state.pop(oid, None)


def _problem(row: Any, event: Any, aggregate: Any, found: tuple[str, str]) -> dict:
    named = aggregate if aggregate is not None else event
    year, code = getattr(named, "year", None), getattr(named, "code", None)
    return {"problem": "rule", "aggregate": str(row.originator_id),
            "kind": type(aggregate).__name__ if aggregate is not None else type(event).__qualname__.split(".")[0],
            "key": "/".join(str(x) for x in (year, code) if x is not None) or None,
            "version": row.originator_version, "position": row.id, "type": type(event).__name__,
            "rule": found[0], "detail": found[1]}
