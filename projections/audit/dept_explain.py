"""``bpt explain DEPT FIGURE``: the events behind one derived department figure.

A derived figure (``sangong_actual``, ``basic_by_econ.302`` …) lists every budget fact or
payment that moves it, on the effective-date axis, with its classification and the running
value after each; the value is the one ``bpt dept figures`` shows (the same function sums it).
A figure the department typed instead (no classified ledger: 填报) lists the typed facts.
"""

from __future__ import annotations

from datetime import date

from bpt.domain import dept_figures as df
from bpt.domain.classification import econ_label
from bpt.domain.department import BASIC_DATA, DepartmentYear
from bpt.domain.ledger import department_id
from bpt.domain.money import ZERO, fmt_yuan
from bpt.domain.refusal import Refusal
from bpt.projections.store.classified import department_logs
from bpt.projections.store.eventlog import log, row
from bpt.projections.store.facts import declared_and_derived, department_state
from bpt.projections.store.service import Bpt


def is_department_figure(figure: str) -> bool:
    try:
        df.spec(figure)
    except Refusal:
        return figure in BASIC_DATA
    return True


def explain_department(bpt: Bpt, year: int, code: str, figure: str, as_of: date | None = None) -> dict:
    """The ``bpt explain DEPT FIGURE --json`` document."""
    dept: DepartmentYear | None = department_state(bpt, year, code)
    if dept is None:
        raise Refusal("部门", f"未找到部门 {code}（{year} 年度）")
    # A typed-only datum (固定资产总额 …) has no rule of its own; a derived figure has one.
    spec = df.static_specs().get(figure) or (None if figure in BASIC_DATA else df.spec(figure))
    moving, flows, position = [], [], 0
    for project, logged in department_logs(bpt, year, dept).items():
        events = [x.event for x in logged]
        position = max([position, *(x.position for x in logged)])
        for x, flow in zip(logged[1:], _flows_by_event(events), strict=True):
            if flow is None or (as_of and flow.effective_date > as_of):
                continue
            flows.append(flow)
            if spec is not None and spec.contribution(flow) is not None:
                moving.append((x, flow, project))
    origin = declared_and_derived(dept, flows)[1].get(figure, df.DECLARED if spec is None else df.COMPUTED)
    doc = {"dept": code, "name": dept.name, "year": year, "figure": figure,
           "as_of": (as_of or date(year, 12, 31)).isoformat(), "origin": origin,
           "position": position}
    if origin == df.DECLARED:
        return {**doc, **_declared(bpt, year, code, figure, as_of)}
    moving.sort(key=lambda m: (m[1].effective_date, m[0].position))
    total, events = ZERO, []
    for x, flow, project in moving:
        total += spec.contribution(flow)
        events.append({**row(x, project), "amount": fmt_yuan(spec.contribution(flow)), "value_after": fmt_yuan(total),
                       "econ": econ_label(flow.econ), "func": flow.func or None, "fund_type": flow.fund_type,
                       "procurement": flow.procurement})
    return {**doc, "label": spec.label, "value": fmt_yuan(total), "rule": spec.rule, "events": events}


def _flows_by_event(events: list) -> list[df.Flow | None]:
    """For each event after the creation, its flow (None for events that move no money)."""
    flows = iter(df.flows(events))
    out: list[df.Flow | None] = []
    pending = next(flows, None)
    for event in events[1:]:
        if pending is not None and pending.event is event:
            out.append(pending)
            pending = next(flows, None)
        else:
            out.append(None)
    return out


def _declared(bpt: Bpt, year: int, code: str, figure: str, as_of: date | None) -> dict:
    typed = [x for x in log(bpt, department_id(year, code))
             if type(x.event).__name__ == "BasicDataRecorded" and x.event.key == figure
             and (as_of is None or x.event.effective_date <= as_of)]
    value = typed[-1].event.value if typed else None
    return {"label": BASIC_DATA.get(figure, figure), "value": fmt_yuan(value) if value is not None else None,
            "rule": f"{BASIC_DATA.get(figure, figure)}：填报数（bpt dept data；本部门未按经济分类记账）",
            "events": [{**row(x, code), "value_after": fmt_yuan(x.event.value)} for x in typed]}
