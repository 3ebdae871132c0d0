"""Year-end: issue the self-assessment (``bpt close``); ``bpt.projections.audit.verify`` re-derives it.

A self-assessment is a ``DepartmentYear.SelfAssessmentIssued`` event carrying the full report
body computed from the events stored up to a recorded position, the rubric (name + hash) and
the sha256 of the body's canonical JSON. The rubrics are adopted (``RubricAdopted`` keeps
their text) before that position, so the report can be re-derived later from the events
alone, with exactly the rules it was scored under.
"""

from __future__ import annotations

import uuid

from bpt.domain.department import DepartmentYear
from bpt.domain.ledger import department_id
from bpt.domain.refusal import Refusal
from bpt.projections.reports.body import (
    build_body,
    content_hash,
    rubrics_in_force,
)
from bpt.projections.store.eventlog import head
from bpt.projections.store.facts import department_state
from bpt.projections.store.service import Bpt
from eventsourcing.utils import get_topic

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
