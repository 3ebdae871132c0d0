"""``bpt history``: the event log of a fiscal year, filtered by project, operator, date and type.

``since`` is on the effective-date axis (the business date the user gave); ``recorded_since``
on the recording axis. ``types`` accepts event class names (Approved, Paid, …) or their
Chinese labels (年初预算, 支出, …).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from bpt.domain.ledger import department_id, fiscal_year_id, project_id
from bpt.domain.refusal import Refusal
from bpt.projections.store.eventlog import LABELS, logs, row
from bpt.projections.store.facts import department_state
from bpt.projections.store.service import Bpt
from bpt.projections.store.stamps import with_stamps

TYPE_NAMES = {q.rpartition(".")[2] for q in LABELS}
LABEL_TYPES = {text: q.rpartition(".")[2] for q, text in LABELS.items()}


def event_types(words: Iterable[str]) -> set[str]:
    """Event class names from names or labels; refuses an unknown one, listing the choices."""
    out = set()
    for word in (w.strip() for w in words if w.strip()):
        if word in TYPE_NAMES:
            out.add(word)
        elif word in LABEL_TYPES:
            out.add(LABEL_TYPES[word])
        else:
            raise Refusal("--type", f"未知的事件类型“{word}”（可选：{'、'.join(sorted(TYPE_NAMES))}，或中文名："
                                    f"{'、'.join(LABEL_TYPES)}）")
    return out


def _aggregates(bpt: Bpt, year: int, project: str | None) -> dict[UUID, tuple[str | None, str | None]]:
    """aggregate id → (dept, project) of everything recorded for the year (or one project)."""
    if project:
        return {project_id(year, project): (None, project)}
    keys: dict[UUID, tuple[str | None, str | None]] = {fiscal_year_id(year): (None, None)}
    for dept in bpt.app.departments(year):
        keys[department_id(year, dept)] = (dept, None)
        keys.update((project_id(year, code), (dept, code)) for code in department_state(bpt, year, dept).projects)
    return keys


def history(bpt: Bpt, year: int, project: str | None = None, operator: str | None = None, since: date | None = None,
            types: Iterable[str] = (), recorded_since: datetime | None = None, login: str | None = None) -> dict:
    """The CLI.md ``bpt history --json`` document, in event-store order; each row also has the
    server's ``login`` and ``server_recorded_at`` (PostgreSQL; None on SQLite), ``login`` filters on it."""
    wanted = event_types(types)
    keys = _aggregates(bpt, year, project)
    found = logs(bpt, keys)
    if project and not found[project_id(year, project)]:
        raise Refusal("项目", f"未找到项目 {project}（{year} 年度）")
    rows = []
    for oid, events in found.items():
        dept, code = keys[oid]
        for x in events:
            if dept is None and code:
                dept = x.event.dept  # a project's creation event names its department
            if ((operator and x.event.operator != operator) or (wanted and x.type not in wanted)
                    or (since and x.event.effective_date < since)
                    or (recorded_since and x.recorded_at < recorded_since)):
                continue
            rows.append({**row(x, code), "dept": dept})
    rows.sort(key=lambda r: r["position"])
    rows = [r for r in with_stamps(bpt, rows) if login is None or r["login"] == login]
    return {"year": year, "filters": {"project": project, "operator": operator,
                                      "since": since.isoformat() if since else None, "types": sorted(wanted),
                                      "recorded_since": recorded_since.isoformat() if recorded_since else None,
                                      "login": login},
            "events": rows}
