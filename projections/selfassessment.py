"""Year-end: issue the self-assessment (``bpt close``) and re-derive every issued one (``bpt verify``).

A self-assessment is a ``DepartmentYear.SelfAssessmentIssued`` event carrying the full report
body computed from the events stored up to a recorded position, the rubric (name + hash) and
the sha256 of the body's canonical JSON. The rubrics are adopted (``RubricAdopted`` keeps
their text) before that position, so the report can be re-derived later from the events
alone, with exactly the rules it was scored under.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.utils import get_topic

from domain.department import DepartmentYear
from domain.ledger import department_id
from domain.refusal import Refusal
from projections.eventlog import Logged, head, of_type
from projections.facts import department_state
from projections.report import build_body, content_hash, late_events, rubrics_in_force
from projections.service import Bpt

ADOPTED = get_topic(DepartmentYear.RubricAdopted)


def close(bpt: Bpt, dept: str, year: int, *, operator: str, rubric: str | None = None,
          dept_rubric: str | None = None) -> dict:
    """Issue the next version of the department-year's self-assessment.

    Refused, listing every gap and recording nothing, while a shortfall lacks its deviation
    explanation or a project's weights do not add up to the rubric's total.
    """
    d = department_state(bpt, year, dept)
    if d is None:
        raise Refusal("部门", f"未找到部门 {dept}（{year} 年度）")
    project_rubric, department_rubric = rubrics_in_force(d, rubric, dept_rubric)
    checked = head(bpt)
    body = build_body(bpt, dept, year, checked, project_rubric, department_rubric)
    _refuse_gaps(body, dept, year)
    app = bpt.app
    for chosen in (project_rubric, department_rubric):
        if chosen is not None:
            app.adopt_rubric(dept, year, chosen, operator=operator)  # idempotent: recorded when it changes
    position = head(bpt)
    if position != checked and only_adoptions(bpt, dept, year, checked, position):
        body = {**body, "position": position}  # an adoption changes no figure: the body stands at the new head
    elif position != checked:  # another writer added events: compute at the new head
        body = build_body(bpt, dept, year, position, project_rubric, department_rubric)
        _refuse_gaps(body, dept, year)
    snapshot = f"{dept}-{year}-{uuid.uuid4().hex[:8]}"
    digest = content_hash(body)
    version = app.issue_self_assessment(
        dept, year, snapshot=snapshot, position=position, rubric=project_rubric.name,
        rubric_hash=project_rubric.content_hash, content_hash=digest,
        figures=body, operator=operator)
    return {"dept": dept, "year": year, "snapshot": snapshot, "version": version, "position": position,
            "hash": digest, "total_score": body["total_score"], "grade": body["grade"],
            "rubric": body["rubric"], "dept_rubric": body["dept_rubric"]}


def only_adoptions(bpt: Bpt, dept: str, year: int, after: int, upto: int) -> bool:
    """Whether every event stored after position ``after`` up to ``upto`` is one of the (at most
    two) rubric adoptions of this department-year that ``close`` records."""
    added = bpt.app.recorder.select_notifications(after + 1, limit=3, stop=upto)
    return len(added) <= 2 and all(n.originator_id == department_id(year, dept) and n.topic == ADOPTED for n in added)


def _refuse_gaps(body: dict, dept: str, year: int) -> None:
    if body["gaps"]:
        raise Refusal("自评", f"部门 {dept} {year} 年度有 {len(body['gaps'])} 处缺口，未出具：{'；'.join(body['gaps'])}")


# -- verify ------------------------------------------------------------------------------

def verify(bpt: Bpt) -> dict:
    """Re-derive every issued self-assessment and check the event store's hash chains.

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
    problems += chains
    return {"ok": not problems, "snapshots": checked, "chain_problems": len(chains), "problems": problems}


def _chain_problems(bpt: Bpt) -> list[dict]:
    try:
        from projections.integrity import check_chains
    except ImportError:  # the reliability helper's module is optional until it lands
        return []
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
