"""What the scoring needs to know about a project or a department, replayed from events.

One place builds the facts (budget lines per funding source, the indicators as
``IndicatorFacts``, the deviation explanations) so that the self-assessment, ``explain``
and the live views score the same thing. Three axes select the events:

- ``upto_position``: stored at or before an event-store position (a snapshot's position);
- ``known_at``: recorded at or before a time (what was believed then);
- ``as_of``: effective on or before a business date. The creation and the indicator
  declarations always count (they say what the project is); every other event counts from
  its effective date, as ``bpt.domain.figures.fold`` does for the budget lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bpt.domain import dept_figures as df
from bpt.domain.department import DepartmentYear
from bpt.domain.ledger import department_id, project_id
from bpt.domain.money import ZERO
from bpt.domain.project import CARRIED_OVER, EXECUTED, INITIAL, ProjectYear
from bpt.domain.rubric import IndicatorFacts
from bpt.domain.values import FUNDING_SOURCES
from bpt.projections.store.eventlog import Logged, log, logs, replay, upto
from bpt.projections.store.service import Bpt

# Events that always count, whatever the as-of date.
STRUCTURAL = (ProjectYear.Created, ProjectYear.IndicatorDeclared)


@dataclass(frozen=True)
class SourceFigures:
    """One funding source's line of the 项目资金 block."""

    source: str
    initial_budget: Decimal  # 年初预算数 of this source (上年结转 counts as its opening amount)
    adjusted_budget: Decimal
    executed: Decimal


@dataclass(frozen=True)
class ProjectFacts:
    year: int
    dept: str
    code: str
    name: str
    kind: str
    lines: dict[str, Decimal]  # every budget line in total, plus adjusted_budget (ProjectYear.figures())
    sources: list[SourceFigures]
    indicators: list[IndicatorFacts]
    deviations: dict[str, str]  # indicator code -> 偏差原因分析及改进措施
    execution_deviation: str
    position: int  # the last event-store position taken into account
    flows: tuple[df.Flow, ...] = ()  # its classified money (bpt.domain.dept_figures), effective by the as-of date


def effective_by(as_of: date | None):
    """The ``keep`` predicate of ``replay`` for an as-of date."""
    if as_of is None:
        return lambda e: True
    return lambda e: isinstance(e, STRUCTURAL) or e.effective_date <= as_of


def project_facts(bpt: Bpt, year: int, code: str, upto_position: int | None = None, as_of: date | None = None,
                  known_at: datetime | None = None) -> ProjectFacts | None:
    """The facts of one project-year; None when it did not exist at that position/time."""
    return facts_from_log(upto(log(bpt, project_id(year, code)), upto_position, known_at), as_of)


def projects_facts(bpt: Bpt, year: int, codes: list[str], upto_position: int | None = None,
                   as_of: date | None = None, known_at: datetime | None = None) -> list[ProjectFacts]:
    """The facts of several project-years (read together), in the order of ``codes``."""
    found = logs(bpt, [project_id(year, code) for code in codes])
    facts = (facts_from_log(upto(found[project_id(year, code)], upto_position, known_at), as_of) for code in codes)
    return [f for f in facts if f is not None]


def facts_from_log(logged: list[Logged], as_of: date | None = None) -> ProjectFacts | None:
    """The facts from a project's (already selected) events."""
    p: ProjectYear | None = replay(logged, effective_by(as_of))
    if p is None:
        return None
    sources = [SourceFigures(s, p.amounts[INITIAL].get(s, ZERO) + p.amounts[CARRIED_OVER].get(s, ZERO), p.budget(s),
                             p.amounts[EXECUTED].get(s, ZERO)) for s in FUNDING_SOURCES]
    return ProjectFacts(
        year=p.year, dept=p.dept, code=p.code, name=p.name, kind=p.kind, lines=p.figures(), sources=sources,
        indicators=[indicator_facts(i) for i in p.indicators.values()],
        deviations={c: i["deviation"] for c, i in p.indicators.items() if i["deviation"]},
        execution_deviation=p.execution_deviation, position=logged[-1].position,
        flows=tuple(df.effective(df.flows(x.event for x in logged), as_of)))


def indicator_facts(i: dict[str, Any]) -> IndicatorFacts:
    """``IndicatorFacts`` of one indicator of ``ProjectYear.indicators``.

    The actual value is the one with the latest effective date (the last recorded among equals).
    """
    latest = max(reversed(i["actuals"]), key=lambda a: a["date"], default=None)
    a = i["assessment"] or {}
    return IndicatorFacts(
        code=i["code"], level1=i["level1"], level2=i["level2"], name=i["name"],
        comparison=i["target"]["comparison"], target=i["target"]["value"], target_text=i["target"]["text"],
        unit=i["unit"], weight=i["weight"],
        actual=latest["value"] if latest else None, actual_text=latest["text"] if latest else "",
        grade=a.get("grade"), assessed_score=a.get("score"), reason=a.get("reason", ""))


def department_state(bpt: Bpt, year: int, code: str, upto_position: int | None = None) -> DepartmentYear | None:
    """The department-year as it was at ``upto_position`` (None if it did not exist yet)."""
    return replay(upto(log(bpt, department_id(year, code)), upto_position))


# The department rubric's named figures that are sums over the department's projects.
PROJECT_SUMS = ("initial_budget", "carried_over", "increases", "decreases", "adjusted_budget", "executed")


def department_figures(dept: DepartmentYear, projects: list[ProjectFacts]) -> dict[str, Decimal]:
    """The named figures a department rubric may use (docs/rubrics.md); unknown ones are left out.

    A department that keeps a classified ledger also has every derived figure (三公, 公用经费,
    政府采购 …, computed from its events, in place of typed ones); one that keeps none has the
    typed figures only, as before classification existed (so its issued snapshots re-derive)."""
    figures = {name: sum((p.lines[name] for p in projects), ZERO) for name in PROJECT_SUMS}
    for name in ("staff_quota", "staff_actual"):
        if getattr(dept, name) is not None:
            figures[name] = Decimal(getattr(dept, name))
    flows = [f for p in projects for f in p.flows]
    if df.classified(flows):
        figures.update(declared_and_derived(dept, flows)[0])
    else:
        figures.update((key, entry["value"]) for key, entry in dept.basic_data.items())
    return figures


def declared_and_derived(dept: DepartmentYear, flows: list[df.Flow]) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The department's figures by name and each one's origin (计算 / 填报): ``df.merge`` of the
    figures derived from ``flows`` and those typed with ``bpt dept data``."""
    declared = {key: entry["value"] for key, entry in dept.basic_data.items()}
    return df.merge(df.figures(flows), declared, df.classified(flows))
