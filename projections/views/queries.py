"""What the status, the TUI and the reports show, read from the SQL views.

Every function first catches the views up (a reader sees its own process's writes), then
reads. Amounts come back as JSON strings in CLI.md's formats (元 with 2 decimals, rates as
4-decimal fractions, scores with 2 decimals). ``as_of`` is on the effective-date axis; on or
after the year's last day the totals and the stored scores are read directly.
"""

from __future__ import annotations

import calendar
import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg

from bpt.domain.calendar import time_progress
from bpt.domain.figures import RED_BELOW, YELLOW_BELOW, execution_rate, warning_level
from bpt.domain.money import ZERO, fmt_rate, fmt_score, fmt_yuan, parse_quantity
from bpt.domain.project import LINES
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import score_department
from bpt.domain.rubric.model import DEPARTMENT
from bpt.domain.values import BASIC_SPENDING, PROJECT_SPENDING
from bpt.projections.store.facts import PROJECT_SUMS
from bpt.projections.views.runner import catch_up_on
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql, from_cents
from bpt.projections.views.execution import BASIC_DATA, DEPARTMENTS, PROJECTS
from bpt.projections.views.read import (ProjectFacts, ProjectRow, Selection, amounts, budget_and_executed, figures,
                                    grouped_lines, indicator_states, monthly_amounts, projects, sum_lines, total_lines)
from bpt.projections.views.scores import SCORES, rubric_in_force, score

# The budget lines of a status row, in CLI.md's order.
LINES_JSON = ("initial_budget", "increases", "decreases", "transfers_in", "transfers_out", "carried_over",
              "adjusted_budget", "executed")
ALL_KINDS = "合计"
WARNING_LEVELS = ("red", "yellow", "green")
WEIGHTED_RULE = "部门得分 = Σ(项目全年预算数 × 项目得分) / Σ项目全年预算数（项目支出）"


@dataclass(frozen=True)
class Thresholds:
    """运行监控 warning thresholds on 执行率 / 序时进度 (DOMAIN.md defaults 60% and 80%).

    Configurable per call, or for every reader with BPT_WARNING_RED_BELOW / BPT_WARNING_YELLOW_BELOW
    (``0.6`` or ``60%``).
    """

    red_below: Decimal = RED_BELOW
    yellow_below: Decimal = YELLOW_BELOW

    def __post_init__(self) -> None:
        if not ZERO <= self.red_below <= self.yellow_below:
            raise Refusal("预警阈值", f"应满足 0 ≤ 红色阈值 ≤ 黄色阈值，收到 {self.red_below} 与 {self.yellow_below}")

    @classmethod
    def parse(cls, red_below: str | None = None, yellow_below: str | None = None) -> Thresholds:
        red = red_below or os.environ.get("BPT_WARNING_RED_BELOW")
        yellow = yellow_below or os.environ.get("BPT_WARNING_YELLOW_BELOW")
        return cls(parse_quantity(red, "红色预警阈值") if red else RED_BELOW,
                   parse_quantity(yellow, "黄色预警阈值") if yellow else YELLOW_BELOW)

    def level(self, rate: Decimal | None, progress: Decimal) -> str:
        return warning_level(rate, progress, self.red_below, self.yellow_below)


@contextmanager
def current_views(bpt: Bpt) -> Iterator[Sql]:
    """A connection to views that include every event recorded before the call."""
    with bpt.views() as sql:
        try:
            catch_up_on(bpt.app, sql)
        except psycopg.errors.InsufficientPrivilege:
            pass  # a read-only reviewer reads the views as the projection process keeps them
        yield sql


def years_with_data(bpt: Bpt) -> list[int]:
    """The fiscal years that have a department registered, oldest first."""
    with current_views(bpt) as sql:
        return [int(y) for (y,) in sql.rows("SELECT DISTINCT year FROM bpt_view_departments ORDER BY year")]


def _axis(year: int, as_of: date | None) -> date | None:
    """None (everything recorded: the totals) when ``as_of`` is at or after the year's end.

    Budget events are dated within their fiscal year (the domain refuses others).
    """
    return None if as_of is None or as_of >= date(year, 12, 31) else as_of


def _as_of(year: int, as_of: date | None) -> date:
    return as_of or date(year, 12, 31)


# -- per project ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Score:
    execution_score: Decimal
    total: Decimal
    grade: str


@dataclass(frozen=True)
class _Project:
    row: ProjectRow
    by_source: dict[str, list[int]]
    figures: dict[str, Decimal]
    rate: Decimal | None
    score: _Score | None


def _scores(sql: Sql, sel: Selection, rows: list[ProjectRow], money: dict, axis: date | None) -> dict[str, _Score]:
    if axis is None:
        return {pid: _Score(from_cents(e), from_cents(t), g) for pid, e, t, g in sql.rows(
            f"SELECT s.project_id, s.execution_score, s.total, s.grade FROM {SCORES.name} s "
            f"JOIN {PROJECTS.name} p ON p.project_id = s.project_id WHERE {sel.condition}", sel.params)}
    facts = indicator_states(sql, sel, axis)
    out = {}
    for r in rows:
        s = score(sql, r, total_lines(money.get(r.project_id, {})), facts.get(r.project_id, ProjectFacts()))
        if s is not None:
            out[r.project_id] = _Score(s.execution_score, s.total, s.grade)
    return out


def _projects(sql: Sql, sel: Selection, year: int, as_of: date | None) -> list[_Project]:
    axis = _axis(year, as_of)
    rows = projects(sql, sel)
    money = amounts(sql, sel, axis)
    scores = _scores(sql, sel, rows, money, axis)
    out = []
    for r in rows:
        by_source = money.get(r.project_id, {})
        f = figures(total_lines(by_source))
        out.append(_Project(r, by_source, f, execution_rate(f["executed"], f["adjusted_budget"]),
                            scores.get(r.project_id)))
    return out


def _rate(rate: Decimal | None) -> str | None:
    return None if rate is None else fmt_rate(rate)


def _project_json(p: _Project, progress: Decimal, thresholds: Thresholds) -> dict:
    by_source = []
    for source, lines in sorted(p.by_source.items()):
        f = figures(lines)
        by_source.append({"source": source, **{k: fmt_yuan(f[k]) for k in LINES_JSON}})
    return {
        "dept": p.row.dept, "project": p.row.code, "name": p.row.name, "kind": p.row.kind,
        **{k: fmt_yuan(p.figures[k]) for k in LINES_JSON},
        "execution_rate": _rate(p.rate), "time_progress": fmt_rate(progress),
        "warning": thresholds.level(p.rate, progress),
        "execution_score": fmt_score(p.score.execution_score) if p.score else None,
        "total_score": fmt_score(p.score.total) if p.score else None,
        "grade": p.score.grade if p.score else None,
        "by_source": by_source,
    }


def _check_department(sql: Sql, year: int, dept: str) -> None:
    if not sql.rows(f"SELECT 1 FROM {DEPARTMENTS.name} WHERE year = ? AND code = ?", (year, dept)):
        raise Refusal("部门", f"未找到部门 {dept}（{year} 年度）")


def project_rows(bpt: Bpt, year: int, as_of: date | None, dept: str | None = None,
                 thresholds: Thresholds | None = None) -> list[dict]:
    """One row per project (the rows of ``bpt status --json``), departments in registration order."""
    thresholds = thresholds or Thresholds.parse()
    as_of = _as_of(year, as_of)
    with current_views(bpt) as sql:
        if dept is not None:
            _check_department(sql, year, dept)
        found = _projects(sql, Selection.year(year, dept), year, as_of)
    progress = time_progress(as_of, year)
    return [_project_json(p, progress, thresholds) for p in found]


def _project(sql: Sql, year: int, code: str) -> ProjectRow:
    rows = projects(sql, Selection.project(year, code))
    if not rows:
        raise Refusal("项目", f"未找到项目 {code}（{year} 年度）")
    return rows[0]


def monthly_execution(bpt: Bpt, year: int, project: str, thresholds: Thresholds | None = None) -> list[dict]:
    """Month 1..12: the budget and the execution accumulated to the month's end, against 序时进度."""
    thresholds = thresholds or Thresholds.parse()
    with current_views(bpt) as sql:
        _project(sql, year, project)
        by_month = monthly_amounts(sql, Selection.project(year, project))
    out, running = [], [0] * len(LINES)
    for month in range(1, 13):
        running = sum_lines([running, by_month.get(f"{year}-{month:02d}", [0] * len(LINES))])
        f = figures(running)
        month_end = date(year, month, calendar.monthrange(year, month)[1])
        rate, progress = execution_rate(f["executed"], f["adjusted_budget"]), time_progress(month_end, year)
        out.append({"month": month, "as_of": month_end.isoformat(), "adjusted_budget": fmt_yuan(f["adjusted_budget"]),
                    "executed": fmt_yuan(f["executed"]), "execution_rate": _rate(rate),
                    "time_progress": fmt_rate(progress), "warning": thresholds.level(rate, progress)})
    return out


def indicator_rows(bpt: Bpt, year: int, project: str, as_of: date | None = None) -> list[dict]:
    """The project's indicators with the facts in force as of ``as_of`` and their live scores."""
    with current_views(bpt) as sql:
        row = _project(sql, year, project)
        sel, axis = Selection.project(year, project), _axis(year, as_of)
        facts = indicator_states(sql, sel, axis).get(row.project_id, ProjectFacts())
        s = score(sql, row, total_lines(amounts(sql, sel, axis).get(row.project_id, {})), facts)
    scored = {} if s is None else {i.code: (i.score, i.rule, i.explanation, i.below_full, i.flags) for i in s.indicators}
    out = []
    for state in facts.indicators:
        f = state.facts
        points, rule, explanation, below_full, flags = scored.get(f.code, (None, None, None, None, ()))
        out.append({
            "code": f.code, "level1": f.level1, "level2": f.level2, "name": f.name, "target": f.target_text,
            "comparison": f.comparison, "unit": f.unit, "weight": str(f.weight),
            "actual": str(f.actual) if f.actual is not None else (f.actual_text or None),
            "actual_date": state.actual_day, "grade": f.grade,
            "assessed_score": None if f.assessed_score is None else str(f.assessed_score),
            "score": None if points is None else fmt_score(points), "rule": rule, "explanation": explanation,
            "below_full": below_full, "flags": list(flags), "deviation": state.deviation,
        })
    return out


# -- per department ------------------------------------------------------------------------

def _group(lines: list[int], levels: list[str], progress: Decimal, thresholds: Thresholds) -> dict:
    """A group of projects from its summed lines (分) and its members' warning levels."""
    f = figures(lines)
    rate = execution_rate(f["executed"], f["adjusted_budget"])
    counts = dict.fromkeys(WARNING_LEVELS, 0)
    for level in levels:
        counts[level] += 1
    return {"projects": len(levels), **{k: fmt_yuan(f[k]) for k in LINES_JSON}, "execution_rate": _rate(rate),
            "warning": thresholds.level(rate, progress) if levels else None, "warnings": counts}


def _basic_data(sql: Sql, dept_id: str, as_of: date | None) -> dict[str, Decimal]:
    day_filter, params = ("", (dept_id,)) if as_of is None else (" AND day <= ?", (dept_id, as_of.isoformat()))
    rows = sql.rows(f"SELECT key, value FROM {BASIC_DATA.name} WHERE dept_id = ?{day_filter} ORDER BY position", params)
    return {key: Decimal(value) for key, value in rows}  # the last recorded wins


@dataclass(frozen=True)
class _Department:
    dept_id: str
    code: str
    name: str
    staff_quota: int | None
    staff_actual: int | None
    project_rubric_hash: str | None
    dept_rubric_hash: str | None


@dataclass(frozen=True)
class _Member:
    """What a department's roll-up needs of one of its projects."""

    kind: str
    warning: str
    adjusted_budget: Decimal
    score: Decimal | None  # total score; None for 基本支出 (and a project not scored)


def _score_totals(sql: Sql, sel: Selection, axis: date | None) -> dict[str, Decimal]:
    """project_id → total score of the selected 项目支出 projects (only they are scored)."""
    spending = Selection(f"{sel.condition} AND p.kind = ?", (*sel.params, PROJECT_SPENDING))
    # The stored scores need neither the rows nor the money: they are read only for a past date.
    rows, money = ([], {}) if axis is None else (projects(sql, spending), amounts(sql, spending, axis))
    return {pid: s.total for pid, s in _scores(sql, spending, rows, money, axis).items()}


def _department_score(sql: Sql, d: _Department, lines: list[int], members: list[_Member], axis: date | None) -> dict:
    """Under the department rubric the department adopted (on the sums ``lines`` of all its
    projects); else the budget-weighted mean of its 项目支出 scores (the rule ``bpt report`` states too)."""
    rubric = rubric_in_force(sql, d.dept_rubric_hash, DEPARTMENT)
    if rubric is not None:
        f = figures(lines)
        named = {name: f[name] for name in PROJECT_SUMS}
        named.update({k: Decimal(v) for k, v in (("staff_quota", d.staff_quota), ("staff_actual", d.staff_actual))
                      if v is not None})
        named.update(_basic_data(sql, d.dept_id, axis))
        s = score_department(rubric, named)
        return {"score": fmt_score(s.total), "grade": s.grade, "score_rule": f"按部门整体评分规则 {rubric.name} 计分",
                "score_complete": s.complete}
    scored = [m for m in members if m.score is not None]
    budget = sum((m.adjusted_budget for m in scored), ZERO)
    if budget <= 0:
        return {"score": None, "grade": None, "score_rule": WEIGHTED_RULE, "score_complete": False}
    total = Decimal(fmt_score(sum((m.adjusted_budget * m.score for m in scored), ZERO) / budget))
    return {"score": fmt_score(total), "grade": rubric_in_force(sql, d.project_rubric_hash).grade_for(total),
            "score_rule": WEIGHTED_RULE, "score_complete": True}


def _members(sql: Sql, sel: Selection, axis: date | None, progress: Decimal,
             thresholds: Thresholds) -> dict[str, list[_Member]]:
    """dept → its projects' warning levels, 全年预算数 and scores."""
    scores = _score_totals(sql, sel, axis)
    out: dict[str, list[_Member]] = defaultdict(list)
    for pid, dept, kind, budget, executed in budget_and_executed(sql, sel, axis):
        adjusted = from_cents(budget)
        rate = execution_rate(from_cents(executed), adjusted)
        out[dept].append(_Member(kind, thresholds.level(rate, progress), adjusted, scores.get(pid)))
    return out


def department_rollups(bpt: Bpt, year: int, as_of: date | None, thresholds: Thresholds | None = None) -> list[dict]:
    """Per department: 项目支出, 基本支出 and 合计 figures, warning counts, and the department score.

    The sums are SQL aggregates over the view tables (integer 分); per project only its 执行率
    (for the warning counts) and its score (for the weighted department score) are read."""
    thresholds = thresholds or Thresholds.parse()
    as_of = _as_of(year, as_of)
    axis, progress = _axis(year, as_of), time_progress(as_of, year)
    sel = Selection.year(year)
    with current_views(bpt) as sql:
        sums: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for dept, kind, *lines in grouped_lines(sql, sel, ("dept", "kind"), axis):
            sums[dept][kind] = lines
        members = _members(sql, sel, axis, progress, thresholds)
        departments = [_Department(*r) for r in sql.rows(
            f"SELECT dept_id, code, name, staff_quota, staff_actual, project_rubric_hash, dept_rubric_hash "
            f"FROM {DEPARTMENTS.name} "
            "WHERE year = ? ORDER BY position", (year,))]
        out = []
        for d in departments:
            by_kind, mine = sums.get(d.code, {}), members.get(d.code, [])
            all_lines = sum_lines(by_kind.values())
            groups = {kind: _group(by_kind.get(kind, [0] * len(LINES)), [m.warning for m in mine if m.kind == kind],
                                   progress, thresholds)
                      for kind in (PROJECT_SPENDING, BASIC_SPENDING)}
            groups[ALL_KINDS] = _group(all_lines, [m.warning for m in mine], progress, thresholds)
            out.append({"dept": d.code, "name": d.name, "staff_quota": d.staff_quota, "staff_actual": d.staff_actual,
                        "time_progress": fmt_rate(progress), "groups": groups,
                        **_department_score(sql, d, all_lines, mine, axis)})
    return out
