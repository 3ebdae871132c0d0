"""Rule replay: would each stored event's own command have recorded it, given the events before it?

The event store accepts whatever a database login inserts; the budget rules live in the
commands (``ProjectYear.pay`` refuses an overspend, a reused voucher, a date outside the year…).
``check_event(aggregate, event, lookup)`` re-runs the command that records ``event`` on the
aggregate as replayed up to the event before it, with the event's own fields, and returns:

- ``None`` when the command accepts it and would record exactly this event;
- ``(rule, detail)`` when the command refuses it (``rule`` is the refusal's field, ``detail`` its
  line) or would record something else (another event class, or another value of a field the
  command derives itself, e.g. a reversal's amount or an indicator's code).

The command is run with ``trigger_event`` captured on the instance, so nothing is applied or
recorded: the caller applies the stored event afterwards (``event.mutate``). ``lookup(id)``
returns another aggregate as replayed so far (a project's department, for the rubric in
force), or None. Duplicate 文号 are accepted on replay: ``--confirm-duplicate`` is not stored.

Every event class of the domain has an entry in ``RULES`` (a test checks it): a new event
kind must say here which command records it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from bpt.domain.classification import Classification as C
from bpt.domain.department import DepartmentYear, FiscalYear
from bpt.domain.ledger import check_texts, department_id, fiscal_year_id, project_id
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import load_rubric_text
from bpt.domain.values import Target

Lookup = Callable[[UUID], Any]
Finding = tuple[str, str]
P, D, F = ProjectYear, DepartmentYear, FiscalYear
# Fields the library or the chain set, not the command's arguments.
_NOT_ARGUMENTS = frozenset({"timestamp", "chain", "originator_id", "originator_version", "originator_topic"})


def _rubric(p: ProjectYear, lookup: Lookup) -> Any:
    department = lookup(department_id(p.year, p.dept))
    if department is None:
        raise Refusal("部门", f"项目 {p.code} 的部门 {p.dept} 不存在")
    return department.rubric("project")


def _warning(p: ProjectYear, e: Any, _: Lookup) -> None:
    if not p.raise_warning(e.as_of, e.level, e.execution_rate, e.time_progress, e.operator):
        raise Refusal("预警", f"项目 {p.code} 在 {e.as_of.isoformat()} 已有预警（每个截止日期只记录一次）")


def _adopt(d: DepartmentYear, e: Any, _: Lookup) -> None:
    if not d.adopt_rubric(load_rubric_text(e.text, source=e.rubric), e.operator, e.effective_date):
        raise Refusal("评分规则", f"{e.rubric} 已是部门 {d.code} 在用的评分规则")


# Event class -> the command that records it, called with the event's fields.
RULES: dict[type, Callable[[Any, Any, Lookup], Any]] = {
    P.Approved: lambda p, e, _: p.approve(e.amount, e.source, e.doc, e.effective_date, e.operator, True, C.of(e)),
    P.CarriedOver: lambda p, e, _: p.carry_over(e.amount, e.doc, e.effective_date, e.operator, True, C.of(e)),
    P.CarriedForward: lambda p, e, _: p.carry_forward(
        e.from_year, e.balances, doc=e.doc, effective_date=e.effective_date, snapshot=e.snapshot, position=e.position,
        from_live=e.from_live, rule=e.rule, operator=e.operator),
    P.Increased: lambda p, e, _: p.adjust(e.amount, e.source, e.doc, e.effective_date, e.reason, e.operator, True,
                                          C.of(e)),
    P.Decreased: lambda p, e, _: p.adjust(-e.amount, e.source, e.doc, e.effective_date, e.reason, e.operator, True,
                                          C.of(e)),
    P.TransferredIn: lambda p, e, _: p.transfer_in(e.amount, e.source, e.doc, e.effective_date, e.reason,
                                                   e.counterpart, e.operator, True),
    P.TransferredOut: lambda p, e, _: p.transfer_out(e.amount, e.source, e.doc, e.effective_date, e.reason,
                                                     e.counterpart, e.operator, True),
    P.Paid: lambda p, e, _: p.pay(e.amount, e.source, e.voucher, e.effective_date, e.operator, e.note, C.of(e)),
    P.PaymentReversed: lambda p, e, _: p.reverse(e.voucher, e.effective_date, e.reason, e.operator),
    P.IndicatorDeclared: lambda p, e, _: p.declare_indicator(e.level1, e.level2, e.name, Target.from_dict(e.target),
                                                             e.unit, e.weight, e.effective_date, e.operator),
    P.TargetRevised: lambda p, e, _: p.revise_target(e.indicator, Target.from_dict(e.target), e.doc, e.reason,
                                                     e.effective_date, e.operator),
    P.ActualRecorded: lambda p, e, _: p.record_actual(e.indicator, e.value, e.text, e.effective_date, e.operator),
    P.QualitativeAssessed: lambda p, e, lookup: p.assess(e.indicator, e.grade, e.score, e.reason, e.effective_date,
                                                         e.operator, _rubric(p, lookup)),
    P.DeviationExplained: lambda p, e, _: p.explain_deviation(e.indicator, e.text, e.effective_date, e.operator),
    P.WarningRaised: _warning,
    P.IndicatorForecast: lambda p, e, _: p.forecast_indicator(e.indicator, e.as_of, e.value, e.likelihood, e.cause,
                                                              e.action, e.operator),
    P.ExecutionForecast: lambda p, e, _: p.forecast_execution(e.as_of, e.executed, e.reason, e.operator),
    D.ProjectRegistered: lambda d, e, _: d.add_project(e.project, e.kind, e.operator, e.effective_date),
    D.StaffRecorded: lambda d, e, _: d.record_staff(e.staff_quota, e.staff_actual, e.operator, e.effective_date),
    D.BasicDataRecorded: lambda d, e, _: d.record_basic_data(e.key, e.value, e.source, e.operator, e.effective_date),
    D.RubricAdopted: _adopt,
    # The snapshot's content is re-derived by verify itself; its version number is the command's.
    D.SelfAssessmentIssued: lambda d, e, _: d.issue_self_assessment(e.snapshot, e.position, e.rubric, e.rubric_hash,
                                                                    e.content_hash, e.figures, e.operator,
                                                                    e.effective_date),
    F.DepartmentRegistered: lambda fy, e, _: fy.register(e.dept, e.operator, e.effective_date),
}


def _created_project(e: Any, lookup: Lookup) -> None:
    ProjectYear.register(e.originator_id, year=e.year, dept=e.dept, code=e.code, name=e.name, kind=e.kind,
                         operator=e.operator, effective_date=e.effective_date)
    _check_id(e, project_id(e.year, e.code), "项目编号")
    department = lookup(department_id(e.year, e.dept))
    if department is None or e.code not in department.projects:
        raise Refusal("项目编号", f"{e.code} 未在部门 {e.dept} {e.year} 年度登记")


def _created_department(e: Any, lookup: Lookup) -> None:
    DepartmentYear.register(e.originator_id, year=e.year, code=e.code, name=e.name, staff_quota=e.staff_quota,
                            staff_actual=e.staff_actual, operator=e.operator, effective_date=e.effective_date)
    _check_id(e, department_id(e.year, e.code), "部门编号")
    fiscal_year = lookup(fiscal_year_id(e.year))
    if fiscal_year is None or e.code not in fiscal_year.departments:
        raise Refusal("部门编号", f"{e.code} 未在 {e.year} 年度登记")


def _created_year(e: Any, _: Lookup) -> None:
    _check_id(e, fiscal_year_id(e.year), "年度")


def _check_id(e: Any, expected: UUID, field: str) -> None:
    if e.originator_id != expected:
        raise Refusal(field, f"记录的标识 {e.originator_id} 不是由其编号导出的 {expected}")


CREATIONS: dict[type, Callable[[Any, Lookup], None]] = {
    P.Created: _created_project, D.Created: _created_department, F.Created: _created_year,
}


def check_creation(event: Any, lookup: Lookup) -> Finding | None:
    """The checks of the registration that creates an aggregate (its codes, its parent's index)."""
    try:
        CREATIONS[type(event)](event, lookup)
    except Refusal as refusal:
        return refusal.field, str(refusal)
    return None


def check_event(aggregate: Any, event: Any, lookup: Lookup) -> Finding | None:
    """Re-run the command of ``event`` on ``aggregate`` (state before it); see the module doc."""
    produced: list[tuple[type, dict]] = []

    def capture(event_class: type, **kwargs: Any) -> None:
        check_texts(kwargs)
        produced.append((event_class, kwargs))

    aggregate.trigger_event = capture  # shadows the method on this instance only
    try:
        RULES[type(event)](aggregate, event, lookup)
    except Refusal as refusal:
        return refusal.field, str(refusal)
    finally:
        del aggregate.trigger_event
    return _difference(event, produced)


def _difference(event: Any, produced: list[tuple[type, dict]]) -> Finding | None:
    if len(produced) != 1 or produced[0][0] is not type(event):
        made = "、".join(cls.__name__ for cls, _ in produced) or "无"
        return "事件类型", f"其命令会记录 {made}，而记录的是 {type(event).__name__}"
    fields = vars(event)
    for name, value in produced[0][1].items():
        if name not in _NOT_ARGUMENTS and fields.get(name) != value:
            return name, f"字段 {name} 记录为 {fields.get(name)!r}，其命令会记录 {value!r}"
    return None

