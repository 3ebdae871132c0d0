"""``bpt year open``: the plan of what the next fiscal year takes over from this one.

Each department's balances are read at its latest closing snapshot's position (the figures
the self-assessment was issued with), or, with ``from_live``, from every event stored so far.
A project's balance by funding source is 全年预算数 − 全年执行数 of that source, the same
``SourceFigures`` the self-assessment's 项目资金 block shows.
"""

from __future__ import annotations

from decimal import Decimal

from bpt.domain.ledger import project_id
from bpt.domain.money import ZERO
from bpt.domain.refusal import Refusal
from bpt.domain.years import DepartmentCarry, ProjectCarry, YearPlan, carries, carry_rule
from bpt.projections.reports.body import find_snapshot, late_events
from bpt.projections.store.eventlog import head, log, replay
from bpt.projections.store.facts import ProjectFacts, department_state, projects_facts
from bpt.projections.store.service import Bpt


def balances(facts: ProjectFacts) -> dict[str, Decimal]:
    """The unspent balance (全年预算数 − 执行数) of each funding source that has one."""
    found = {s.source: s.adjusted_budget - s.executed for s in facts.sources}
    return {source: amount for source, amount in found.items() if amount != ZERO}


def plan_year(bpt: Bpt, year: int, from_year: int, doc: str, *, depts: tuple[str, ...] = (),
              drop: tuple[str, ...] = (), carry_basic: tuple[str, ...] = (), from_live: bool = False) -> YearPlan:
    """What ``bpt year open YEAR --from FROM_YEAR`` would register and carry; refused (nothing to
    record) on bad input."""
    if year != from_year + 1:
        raise Refusal("NEXT", f"只能开启 {from_year} 的下一年度 {from_year + 1}，收到 {year}")
    if not doc.strip():
        raise Refusal("文号", "不能为空")
    known = bpt.app.departments(from_year)
    if not known:
        raise Refusal("--from", f"{from_year} 年度没有登记任何部门")
    for code in (*depts, *carry_basic):
        if code not in known:
            raise Refusal("--dept", f"部门 {code} 在 {from_year} 年度未登记（已登记：{'、'.join(known)}）")
    chosen = list(depts) or known
    states = {code: department_state(bpt, from_year, code) for code in chosen}
    all_projects = {p for d in states.values() for p in d.projects}
    for code in drop:
        if code not in all_projects:
            raise Refusal("--drop", f"项目 {code} 不是 {from_year} 年度所选部门的项目")
    departments = [_department(bpt, year, from_year, states[code], drop, code in carry_basic, from_live)
                   for code in chosen]
    return YearPlan(year=year, from_year=from_year, doc=doc, departments=departments)


def _department(bpt: Bpt, year: int, from_year: int, d, drop: tuple[str, ...], carry_basic: bool,
                from_live: bool) -> DepartmentCarry:
    closed = find_snapshot(bpt, d.code, from_year)
    if closed is None and not from_live:
        raise Refusal("--from-live", f"部门 {d.code} {from_year} 年度尚未结账（bpt close）；"
                                     "请先结账，或加 --from-live 按实时数据结转")
    position = head(bpt) if from_live else closed.event.position
    next_dept = department_state(bpt, year, d.code)
    next_projects = set(next_dept.projects) if next_dept else set()
    codes = [c for c in d.projects if c not in drop]
    projects = []
    for f in projects_facts(bpt, from_year, codes, upto_position=position):
        entry = None
        if f.code in next_projects:
            entry = replay(log(bpt, project_id(year, f.code))).carried(from_year)
        projects.append(ProjectCarry(code=f.code, name=f.name, kind=f.kind, balances=balances(f),
                                     carries=carries(f.kind, carry_basic), exists=f.code in next_projects,
                                     carried=entry["total"] if entry else None,
                                     carried_doc=entry["doc"] if entry else ""))
    return DepartmentCarry(code=d.code, name=d.name, staff_quota=d.staff_quota, staff_actual=d.staff_actual,
                           rule=carry_rule(carry_basic), carry_basic=carry_basic,
                           snapshot="" if from_live else closed.event.snapshot, position=position,
                           from_live=from_live, exists=next_dept is not None,
                           late_corrections=0 if from_live else len(late_events(bpt, d.code, from_year, position)),
                           projects=projects)

