"""``bpt verify``: re-derive every issued self-assessment from the events and check the hash chains.

Each ``SelfAssessmentIssued`` body is rebuilt from the events up to its recorded position under the
rubrics it pinned; any difference is a problem naming the project, figure, issued and re-derived value.
"""

from __future__ import annotations

from typing import Any

from bpt.domain.department import DepartmentYear
from bpt.domain.ledger import department_id
from bpt.projections.audit.checkpoint import compare, latest_checkpoint
from bpt.projections.audit.guards import check_guards, check_stamps
from bpt.projections.audit.integrity import check_chains
from bpt.projections.audit.rules import check_rules
from bpt.projections.reports.body import (
    build_body,
    content_hash,
    late_events,
    rubrics_in_force,
)
from bpt.projections.store.eventlog import Logged, of_type
from bpt.projections.store.facts import department_state
from bpt.projections.store.service import Bpt


def verify(bpt: Bpt, against: dict | None = None) -> dict:
    """Re-derive every issued self-assessment, check the event store's hash chains and replay the
    commands' rules over every event (``bpt.projections.audit.rules``), check the database's guards
    and the server's stamps (``bpt.projections.audit.guards``), and compare the chain heads with
    ``against`` (a checkpoint document) or the server's latest checkpoint (``...audit.checkpoint``).

    ``problems`` lists each difference (department, snapshot, project, figure, issued vs
    re-derived) and each chain problem; ``snapshots`` what was checked, with the number of
    late corrections recorded after each.
    """
    checked, problems = [], []
    try:
        snapshots = of_type(bpt, DepartmentYear.SelfAssessmentIssued)
    except Exception as error:  # noqa: BLE001 — an undecodable snapshot row; the chain check names it
        snapshots = []
        problems.append({"check": "snapshot", "dept": None, "year": None, "snapshot": None, "version": None,
                         "position": None, "problem": f"无法读取已出具的自评快照：{error}", "project": None,
                         "figure": None, "issued": None, "rederived": None})
    for issued in snapshots:
        found = check_snapshot(bpt, issued)
        problems += found
        e = issued.event
        checked.append({"dept": e.figures.get("dept"), "year": e.figures.get("year"), "snapshot": e.snapshot,
                        "version": e.version, "position": e.position, "hash": e.content_hash, "ok": not found,
                        "late_events": _late_count(bpt, e)})
    chains = _chain_problems(bpt)
    rules = [{"check": "rules", **p} for p in check_rules(bpt)]
    guards = [{"check": "guards", **p} for p in check_guards(bpt)] + [{"check": "stamps", **p} for p in check_stamps(bpt)]
    anchor = against or latest_checkpoint(bpt)
    anchored = [{"check": "checkpoint", **p} for p in compare(bpt, anchor)] if anchor else []
    problems += chains + rules + guards + anchored
    return {"ok": not problems, "snapshots": checked, "chain_problems": len(chains), "rule_problems": len(rules),
            "guard_problems": len(guards), "checkpoint": _anchor_summary(anchor), "problems": problems}


def _anchor_summary(anchor: dict | None) -> dict | None:
    """Which checkpoint the store was compared with (``--against FILE``, else the server's latest)."""
    if anchor is None:
        return None
    return {k: anchor.get(k) for k in ("checkpoint", "taken_at", "login", "position")} | {"heads": len(anchor["heads"])}


def _chain_problems(bpt: Bpt) -> list[dict]:
    return [{"check": "chain", **p} for p in check_chains(bpt)]


def _late_count(bpt: Bpt, e: Any) -> int | None:
    try:
        return len(late_events(bpt, e.figures["dept"], e.figures["year"], e.position))
    except Exception:  # noqa: BLE001 — a damaged store is reported by the checks, not here
        return None


def check_snapshot(bpt: Bpt, issued: Logged) -> list[dict]:
    """Every difference between an issued snapshot and the same report re-derived from the events."""
    e = issued.event
    body = e.figures
    dept, year = body.get("dept"), body.get("year")
    where = {"check": "snapshot", "dept": dept, "year": year, "snapshot": e.snapshot, "version": e.version,
             "position": issued.position}

    def problem(what: str, project: str | None = None, figure: str | None = None, was: Any = None,
                now: Any = None) -> dict:
        return {**where, "problem": what, "project": project, "figure": figure, "issued": was, "rederived": now}

    if not isinstance(dept, str) or not isinstance(year, int) or department_id(year, dept) != e.originator_id:
        return [problem("快照内容不属于其所在的部门年度（部门/年度字段被改动）")]
    found = []
    if content_hash(body) != e.content_hash:
        found.append(problem("快照内容与其哈希不符：出具后的快照记录被改动", figure="hash",
                             was=e.content_hash, now=content_hash(body)))
    try:
        rubric, department_rubric = rubrics_in_force(department_state(bpt, year, dept, e.position))
        rederived = build_body(bpt, dept, year, e.position, rubric, department_rubric)
    except Exception as error:  # noqa: BLE001 — an undecodable or missing event: report, go on
        return [*found, problem(f"无法从事件重算：{error}")]
    if rubric.content_hash != e.rubric_hash:
        found.append(problem("快照记录的评分规则与其位置处采用的评分规则不符", figure="rubric_hash",
                             was=e.rubric_hash, now=rubric.content_hash))
    if content_hash(rederived) == e.content_hash:
        return found
    issued_flat, rederived_flat = flatten(body), flatten(rederived)
    for path in sorted(issued_flat.keys() | rederived_flat.keys(), key=lambda p: [str(x) for x in p]):
        was, now = issued_flat.get(path), rederived_flat.get(path)
        if was != now:
            project = path[1] if path[0] == "projects" and len(path) > 1 else None
            figure = ".".join(str(x) for x in (path[2:] if project else path))
            found.append(problem("出具值与按事件重算值不符", project, figure, was, now))
    return found


# List items are keyed by what identifies them, so a difference names a project or indicator.
_ITEM_KEYS = ("project", "code", "label", "name")


def flatten(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """{path: leaf} of a report body; list items keyed by project/code/label/name when they have one."""
    if isinstance(value, dict):
        out: dict[tuple, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, (*path, k)))
        return out
    if isinstance(value, list):
        out = {}
        for n, item in enumerate(value):
            key = next((item[k] for k in _ITEM_KEYS if isinstance(item, dict) and k in item), n)
            out.update(flatten(item, (*path, key)))
        return out
    return {path: value}
