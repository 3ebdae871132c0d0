"""``bpt explain``: the events behind one figure of a project, with the running value after each.

Events are listed on the effective-date axis (effective date, then position), the axis the
figures are reported on; each carries its event-store position and recording time. Three
ways to look back:

- ``as_of``: only events effective on or before a business date;
- ``known_at``: only events recorded up to a time ("what did we believe on 1 August");
- ``snapshot``: only events stored up to an issued self-assessment's position; the events
  stored after it that would change the figure are listed apart.

Without ``snapshot``, events stored after the department-year's latest self-assessment are
flagged ``late`` (corrections after the close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.utils import get_topic

from bpt.domain.figures import EVENT_LINES, movement
from bpt.domain.ledger import project_id
from bpt.domain.money import ZERO, fmt_rate, fmt_score, fmt_yuan
from bpt.domain.project import BUDGET_SIGNS, CARRIED_OVER, EXECUTED, ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import IndicatorFacts, ProjectScore, Rubric, score_project
from bpt.domain.rubric.project import execution_score
from bpt.domain.rubric.rules import ProportionalRule, quantize_score
from bpt.projections.store.eventlog import Logged, last_position, log_cached, row, upto
from bpt.projections.store.facts import STRUCTURAL, department_state, effective_by, indicator_facts
from bpt.projections.reports.body import find_snapshot, rubrics_in_force
from bpt.projections.store.service import Bpt
from bpt.projections.store.stamps import known_position, with_stamps
from bpt.projections.store.gcpause import gc_paused

BUDGET_RULE = "全年预算数 = 年初预算数 + 上年结转 + Σ追加 − Σ调减 + Σ调剂转入 − Σ调剂转出"
RATE_RULE = "执行率 = 全年执行数 / 全年预算数（全年预算数为 0 时不可计算）"
INDICATOR_EVENTS = (ProjectYear.TargetRevised, ProjectYear.ActualRecorded, ProjectYear.QualitativeAssessed)
MOVEMENTS = tuple(EVENT_LINES)


@dataclass(frozen=True)
class Figure:
    label: str
    lines: dict[str, int]  # budget line -> sign in the figure (amount figures)
    events: tuple[type, ...]  # the event classes that move it

    @property
    def topics(self) -> tuple[str, ...]:
        """The stored topics explain reads for it: these and what every figure needs (STRUCTURAL)."""
        return tuple(get_topic(c) for c in (*STRUCTURAL, *self.events))


_EXECUTION = tuple(c for c, (line, _) in EVENT_LINES.items() if line in (*BUDGET_SIGNS, EXECUTED))
FIGURES = {
    "initial_budget": Figure("年初预算数", {"initial_budget": 1}, (ProjectYear.Approved,)),
    "carried_over": Figure("上年结转", {CARRIED_OVER: 1}, (ProjectYear.CarriedOver, ProjectYear.CarriedForward)),
    "adjusted_budget": Figure("全年预算数", dict(BUDGET_SIGNS),
                              tuple(c for c, (line, _) in EVENT_LINES.items() if line in BUDGET_SIGNS)),
    "executed": Figure("全年执行数", {EXECUTED: 1}, (ProjectYear.Paid, ProjectYear.PaymentReversed)),
    "execution_rate": Figure("执行率", {}, _EXECUTION),
    "execution_score": Figure("执行率得分", {}, _EXECUTION),
    "total_score": Figure("总分", {}, (*_EXECUTION, *INDICATOR_EVENTS)),
}


class Running:
    """The figure's value as events are applied one by one (indicator events onto ``state``).

    The budget and an amount figure are kept as running sums (one addition per event), not
    re-summed from the lines after every event."""

    def __init__(self, figure: str, rubric: Rubric, state: ProjectYear):
        self.figure, self.rubric, self.state = figure, rubric, state
        self.signs = FIGURES[figure].lines  # an amount figure's lines; empty for the others
        self.lines = {line: ZERO for line in (*BUDGET_SIGNS, EXECUTED)}
        self.total = ZERO  # the amount figure
        self.budget_total = ZERO
        self.indicator_total: Decimal | None = None  # cached: only indicator events change it
        ex = rubric.execution  # a proportional rule's (cap, weight): its arithmetic per event
        self.proportional = (ex.rule.cap, ex.weight) if isinstance(ex.rule, ProportionalRule) else None

    def apply(self, event: Any) -> str | None:
        m = movement(event)
        if m:
            line, amount = m
            self.lines[line] += amount
            if line in BUDGET_SIGNS:
                self.budget_total += BUDGET_SIGNS[line] * amount
            if line in self.signs:
                self.total += self.signs[line] * amount
        else:
            event.apply(self.state)
            self.indicator_total = None
        return self.value()

    def budget(self) -> Decimal:
        return self.budget_total

    def execution_score(self) -> Decimal:
        # The rubric's execution rule as score_project applies it, once per event: the
        # proportional rule's arithmetic directly (its apply() also writes the explanation,
        # which is most of its cost); tests check both paths against score_project.
        budget = self.budget_total
        if budget <= 0:
            return quantize_score(ZERO)
        rate = self.lines[EXECUTED] / budget
        if self.proportional:
            cap, weight = self.proportional
            return quantize_score(max(ZERO, min(rate, cap)) * weight)
        return execution_score(self.rubric, budget, self.lines[EXECUTED])

    def value(self) -> str | None:
        if self.signs:
            return fmt_yuan(self.total)
        if self.figure == "execution_rate":
            budget = self.budget()
            return fmt_rate(self.lines[EXECUTED] / budget) if budget > 0 else None
        if self.figure == "execution_score":
            return fmt_score(self.execution_score())
        if self.indicator_total is None:
            scored = score_project(self.rubric, ZERO, ZERO, self.indicators()).indicators
            self.indicator_total = sum((s.score for s in scored if s.score is not None), ZERO)
        return fmt_score(self.execution_score() + self.indicator_total)

    def indicators(self) -> list[IndicatorFacts]:
        return [indicator_facts(i) for i in self.state.indicators.values()]

    def score(self) -> ProjectScore:
        """The full scoring with its explanations, once all events are applied."""
        return score_project(self.rubric, self.budget(), self.lines[EXECUTED], self.indicators())


@gc_paused(promote=True)  # a row per event, from events decoded by the thousand and cached
def explain(bpt: Bpt, year: int, project: str, figure: str, as_of: date | None = None,
            known_at: datetime | None = None, snapshot: str | None = None) -> dict:
    """The CLI.md ``bpt explain --json`` document."""
    if figure not in FIGURES:
        raise Refusal("FIGURE", f"“{figure}”不是可解释的数字（可选：{'、'.join(FIGURES)}）")
    spec = FIGURES[figure]
    pid = project_id(year, project)
    # Only the figure's events; all of them for a time of recording, which decides the position.
    everything = log_cached(bpt, pid, None if known_at else spec.topics)
    if not everything:
        raise Refusal("项目", f"未找到项目 {project}（{year} 年度）")
    dept = everything[0].event.dept
    chosen = find_snapshot(bpt, dept, year, snapshot) if snapshot else None
    latest = chosen or find_snapshot(bpt, dept, year)
    cut = chosen.event.position if chosen else None
    # --known-at on the server's clock where the events are stamped (PostgreSQL), else the client's.
    known_cut = known_position(bpt, known_at) if known_at else None
    considered = upto(everything, cut, known_at) if known_cut is None else upto(everything, min(cut or known_cut, known_cut))
    if not considered:
        raise Refusal("--known-at", f"{known_at.isoformat()} 时项目 {project} 尚未登记，没有可解释的事件")
    rubric = rubrics_in_force(department_state(bpt, year, dept, cut))[0]

    keep = effective_by(as_of)
    state = considered[0].event.mutate(None)
    for x in considered[1:]:
        if isinstance(x.event, STRUCTURAL):
            x.event.apply(state)
    running = Running(figure, rubric, state)
    moving = [x for x in considered if isinstance(x.event, spec.events)]
    if as_of:
        moving = [x for x in moving if keep(x.event)]
    moving.sort(key=lambda x: x.event.effective_date)  # stable: same-day events stay in position order
    late_after = None if chosen or latest is None else latest.event.position
    events = []
    for x in moving:
        entry = row(x, project)
        entry["value_after"] = running.apply(x.event)
        entry["late"] = late_after is not None and x.position > late_after
        events.append(entry)

    scored = running.score() if figure in ("execution_score", "total_score") else None
    doc = {
        "project": project, "name": everything[0].event.name, "dept": dept, "year": year, "figure": figure,
        "label": spec.label, "value": running.value(),
        "as_of": (as_of or date(year, 12, 31)).isoformat(), "known_at": known_at.isoformat() if known_at else None,
        "snapshot": chosen.event.snapshot if chosen else None,
        "position": considered[-1].position if known_at else last_position(bpt, pid, cut),
        "rubric": {"name": rubric.name, "hash": rubric.content_hash},
        "rule": _rule(figure, scored, rubric),
        "known_at_clock": None if known_at is None else ("client" if known_cut is None else "server"),
        "events": with_stamps(bpt, events),
        "late_snapshot": latest.event.snapshot if latest and not chosen else None,
    }
    if figure == "total_score":
        doc["parts"] = [{"code": "execution", "name": "预算执行率", "weight": fmt_score(scored.execution_weight),
                         "score": fmt_score(scored.execution_score), "explanation": scored.execution_explanation}] + [
            {"code": i.code, "name": f.name, "weight": fmt_score(i.weight),
             "score": fmt_score(i.score) if i.score is not None else None, "explanation": i.explanation}
            for f, i in zip(running.indicators(), scored.indicators, strict=True)]
    if chosen:
        doc.update(_against_snapshot(bpt, chosen, project, figure, everything, spec, keep))
    if figure == "carried_over":
        doc["reaches_back"] = [reach_back(bpt, project, x) for x in moving
                               if isinstance(x.event, ProjectYear.CarriedForward)]
    return doc


CARRY_RULE = "上年结转 = 上年全年预算数 − 上年全年执行数（按资金来源，读自上年结账快照或实时数据）"


def reach_back(bpt: Bpt, project: str, carried: Logged) -> dict:
    """The previous year's figures behind one carry-forward: its 全年预算数 and 全年执行数 with
    their events, as stored at the snapshot it was read from (or, read from the live events,
    as recorded when it was carried)."""
    e = carried.event
    where = {"snapshot": e.snapshot} if e.snapshot else {"known_at": e.timestamp}
    figures = {f: explain(bpt, e.from_year, project, f, **where) for f in ("adjusted_budget", "executed")}
    return {"position": carried.position, "from_year": e.from_year, "doc": e.doc, "amount": fmt_yuan(e.amount),
            "balances": {s: fmt_yuan(v) for s, v in e.balances.items()}, "snapshot": e.snapshot or None,
            "from_live": e.from_live, "read_at": e.position, "rule": e.rule,
            "formula": CARRY_RULE,
            **{f: {"value": d["value"], "events": d["events"]} for f, d in figures.items()}}


def _rule(figure: str, scored: ProjectScore | None, rubric: Rubric) -> str:
    if figure == "carried_over":
        return CARRY_RULE
    if figure in ("initial_budget", "executed"):
        return f"{FIGURES[figure].label} = Σ{'年初预算批复' if figure == 'initial_budget' else '支出 − Σ冲销'}"
    if figure == "adjusted_budget":
        return BUDGET_RULE
    if figure == "execution_rate":
        return RATE_RULE
    if figure == "execution_score":
        return scored.execution_explanation
    parts = " + ".join([fmt_score(scored.execution_score)] + [fmt_score(i.score) if i.score is not None else "不可计算"
                                                              for i in scored.indicators])
    return f"总分 = 执行率得分 + Σ指标得分 = {parts} = {fmt_score(scored.total)}（评分规则 {rubric.name}）"


def _against_snapshot(bpt: Bpt, chosen: Logged, project: str, figure: str, everything: list[Logged], spec: Figure,
                      keep) -> dict:
    """What the snapshot says for the figure, and the events stored after it that move the figure."""
    issued = next((p for p in chosen.event.figures.get("projects", []) if p.get("project") == project), {})
    later = [row(x, project) for x in everything
             if x.position > chosen.event.position and isinstance(x.event, spec.events) and keep(x.event)]
    return {"issued_value": issued.get(figure), "snapshot_position": chosen.event.position,
            "later_events": with_stamps(bpt, later)}
