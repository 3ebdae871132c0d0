"""Reading the view tables back: projects, amounts (now or as of a date), indicator facts.

Every read takes a ``Selection`` of projects (a condition on ``bpt_view_projects p``), so the
queries, the status and the score view share one way of asking. ``as_of`` None reads the
totals table (everything recorded); a date sums the daily movements effective on or before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bpt.domain.money import ZERO
from bpt.domain.project import BUDGET_SIGNS, EXECUTED, LINES
from bpt.domain.rubric import IndicatorFacts
from bpt.projections.store.sql import Sql, from_cents
from bpt.projections.views.execution import BUDGET, DAILY, DEPARTMENTS, PROJECTS
from bpt.projections.views.indicators import ACTUAL, ASSESSMENT, DEVIATION, FACTS, INDICATORS, TARGET

CHUNK = 900  # ids per IN (…) list: under every engine's parameter limit


def _chunks(values: Iterable[str]) -> Iterator[tuple[str, ...]]:
    ordered = sorted(values)
    for i in range(0, len(ordered), CHUNK):
        yield tuple(ordered[i:i + CHUNK])


@dataclass(frozen=True)
class Selection:
    """Which projects a read covers: SQL over the alias ``p`` of bpt_view_projects, and its parameters."""

    condition: str
    params: tuple = ()

    @classmethod
    def year(cls, year: int, dept: str | None = None) -> Selection:
        if dept is None:
            return cls("p.year = ?", (year,))
        return cls("p.year = ? AND p.dept = ?", (year, dept))

    @classmethod
    def project(cls, year: int, code: str) -> Selection:
        return cls("p.year = ? AND p.code = ?", (year, code))

    @classmethod
    def ids(cls, project_ids: Iterable[str]) -> Iterator[Selection]:
        """Chunks of an explicit list of project ids."""
        for chunk in _chunks(project_ids):
            yield cls(f"p.project_id IN ({', '.join('?' * len(chunk))})", chunk)

    @classmethod
    def departments(cls, dept_ids: Iterable[str]) -> Iterator[Selection]:
        """Chunks of the projects of an explicit list of department ids."""
        for chunk in _chunks(dept_ids):
            yield cls(f"EXISTS (SELECT 1 FROM {DEPARTMENTS.name} d WHERE d.year = p.year AND d.code = p.dept "
                      f"AND d.dept_id IN ({', '.join('?' * len(chunk))}))", chunk)


@dataclass(frozen=True)
class ProjectRow:
    project_id: str
    year: int
    dept: str
    code: str
    name: str
    kind: str
    project_rubric_hash: str | None  # of the project rubric the department adopted; None: the default


def projects(sql: Sql, sel: Selection) -> list[ProjectRow]:
    """The selected projects, departments in registration order, then projects in theirs."""
    rows = sql.rows(
        f"SELECT p.project_id, p.year, p.dept, p.code, p.name, p.kind, d.project_rubric_hash FROM {PROJECTS.name} p "
        f"LEFT JOIN {DEPARTMENTS.name} d ON d.year = p.year AND d.code = p.dept WHERE {sel.condition} "
        "ORDER BY d.position, p.position", sel.params)
    return [ProjectRow(*r) for r in rows]


def amounts(sql: Sql, sel: Selection, as_of: date | None = None) -> dict[str, dict[str, list[int]]]:
    """project_id → funding source → the budget lines in 分 (order of ``LINES``)."""
    if as_of is None:
        statement = (f"SELECT b.project_id, b.source, {_qualified('b')} FROM {BUDGET.name} b "
                     f"JOIN {PROJECTS.name} p ON p.project_id = b.project_id WHERE {sel.condition}")
        params = sel.params
    else:
        sums = ", ".join(f"SUM(d.{line})" for line in LINES)
        statement = (f"SELECT d.project_id, d.source, {sums} FROM {DAILY.name} d "
                     f"JOIN {PROJECTS.name} p ON p.project_id = d.project_id WHERE {sel.condition} AND d.day <= ? "
                     "GROUP BY d.project_id, d.source")
        params = (*sel.params, as_of.isoformat())
    out: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for pid, source, *lines in sql.rows(statement, params):
        out[pid][source] = [int(v) for v in lines]
    return out


def _with_money(sel: Selection, as_of: date | None) -> tuple[str, tuple]:
    """FROM clause joining every selected project (money or none yet) to its rows of money ``m``, and
    its parameters: the totals, or the daily movements effective on or before ``as_of``."""
    if as_of is None:
        return f"{PROJECTS.name} p LEFT JOIN {BUDGET.name} m ON m.project_id = p.project_id", sel.params
    return (f"{PROJECTS.name} p LEFT JOIN {DAILY.name} m ON m.project_id = p.project_id AND m.day <= ?",
            (as_of.isoformat(), *sel.params))


# 全年预算数 of a row of money, in SQL (the signs of ``BUDGET_SIGNS``).
ADJUSTED_BUDGET = " ".join(f"{'+' if sign > 0 else '-'} m.{line}" for line, sign in BUDGET_SIGNS.items()).lstrip("+ ")


def grouped_lines(sql: Sql, sel: Selection, by: tuple[str, ...], as_of: date | None = None) -> list[tuple]:
    """Per group of the selected projects (``by``: columns of ``p``): the group's values, then each
    of ``LINES`` summed over its projects and sources in 分 (a project without money counts zero)."""
    source, params = _with_money(sel, as_of)
    keys = ", ".join(f"p.{column}" for column in by)
    sums = ", ".join(f"SUM(m.{line})" for line in LINES)
    rows = sql.rows(f"SELECT {keys}, {sums} FROM {source} WHERE {sel.condition} GROUP BY {keys}", params)
    return [(*row[:len(by)], *(int(v or 0) for v in row[len(by):])) for row in rows]


def budget_and_executed(sql: Sql, sel: Selection, as_of: date | None = None) -> list[tuple[str, str, str, int, int]]:
    """(project_id, dept, kind, 全年预算数, 全年执行数) of each selected project, amounts in 分."""
    source, params = _with_money(sel, as_of)
    rows = sql.rows(f"SELECT p.project_id, p.dept, p.kind, SUM({ADJUSTED_BUDGET}), SUM(m.{EXECUTED}) FROM {source} "
                    f"WHERE {sel.condition} GROUP BY p.project_id, p.dept, p.kind", params)
    return [(pid, dept, kind, int(budget or 0), int(executed or 0)) for pid, dept, kind, budget, executed in rows]


def monthly_amounts(sql: Sql, sel: Selection) -> dict[str, list[int]]:
    """month "YYYY-MM" → the budget lines in 分 moved in that month (all sources)."""
    sums = ", ".join(f"SUM(d.{line})" for line in LINES)
    rows = sql.rows(f"SELECT substr(d.day, 1, 7), {sums} FROM {DAILY.name} d "
                    f"JOIN {PROJECTS.name} p ON p.project_id = d.project_id WHERE {sel.condition} "
                    "GROUP BY substr(d.day, 1, 7)", sel.params)
    return {month: [int(v) for v in lines] for month, *lines in rows}


def _qualified(alias: str) -> str:
    return ", ".join(f"{alias}.{line}" for line in LINES)


def sum_lines(many: Iterable[list[int]]) -> list[int]:
    """Line-by-line sum of several lists of budget lines (分)."""
    total = [0] * len(LINES)
    for lines in many:
        total = [a + b for a, b in zip(total, lines, strict=True)]
    return total


def total_lines(by_source: dict[str, list[int]]) -> list[int]:
    return sum_lines(by_source.values())


def figures(lines: list[int]) -> dict[str, Decimal]:
    """分 per line → Decimal 元 per line plus 全年预算数 (the same keys as ``bpt.domain.figures.fold``)."""
    out = {line: from_cents(v) for line, v in zip(LINES, lines, strict=True)}
    out["adjusted_budget"] = sum((sign * out[line] for line, sign in BUDGET_SIGNS.items()), ZERO)
    return out


# -- indicators ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorState:
    """One indicator as of a date: what scoring needs, and what the tables show beside it."""

    facts: IndicatorFacts
    actual_day: str | None
    deviation: str


@dataclass
class ProjectFacts:
    indicators: list[IndicatorState] = field(default_factory=list)
    execution_deviation: str = ""


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def indicator_states(sql: Sql, sel: Selection, as_of: date | None = None) -> dict[str, ProjectFacts]:
    """project_id → its indicators with the facts in force as of ``as_of`` (None: all recorded).

    In force, among the facts effective on or before ``as_of``: the actual value with the
    latest effective date (ties: the later recorded); the last recorded target revision,
    assessment and deviation text — as replaying the aggregate gives (projections/facts.py).
    Declarations are not dated: the indicator table is the plan of the year.
    """
    declared = sql.rows(
        f"SELECT i.project_id, i.code, i.level1, i.level2, i.name, i.comparison, i.target_value, i.target_text, "
        f"i.unit, i.weight FROM {INDICATORS.name} i JOIN {PROJECTS.name} p ON p.project_id = i.project_id "
        f"WHERE {sel.condition} ORDER BY i.position", sel.params)
    day_filter, params = ("", sel.params) if as_of is None else (" AND f.day <= ?", (*sel.params, as_of.isoformat()))
    latest: dict[tuple, tuple] = {}
    for row in sql.rows(
            f"SELECT f.project_id, f.code, f.kind, f.day, f.comparison, f.value, f.text, f.grade, f.score, f.reason "
            f"FROM {FACTS.name} f JOIN {PROJECTS.name} p ON p.project_id = f.project_id WHERE {sel.condition}{day_filter} "
            "ORDER BY f.position", params):
        key, fact = row[:3], row[3:]
        if key[2] != ACTUAL or key not in latest or fact[0] >= latest[key][0]:
            latest[key] = fact
    out: dict[str, ProjectFacts] = defaultdict(ProjectFacts)
    for pid, code, level1, level2, name, comparison, target_value, target_text, unit, weight in declared:
        revised = latest.get((pid, code, TARGET))
        if revised:
            comparison, target_value, target_text = revised[1], revised[2], revised[3]
        actual = latest.get((pid, code, ACTUAL))
        assessed = latest.get((pid, code, ASSESSMENT))
        deviation = latest.get((pid, code, DEVIATION))
        facts = IndicatorFacts(
            code=code, level1=level1, level2=level2, name=name, comparison=comparison,
            target=_decimal(target_value), target_text=target_text, unit=unit, weight=Decimal(weight),
            actual=_decimal(actual[2]) if actual else None, actual_text=(actual[3] or "") if actual else "",
            grade=assessed[4] if assessed else None, assessed_score=_decimal(assessed[5]) if assessed else None,
            reason=(assessed[6] or "") if assessed else "")
        out[pid].indicators.append(IndicatorState(facts, actual[0] if actual else None,
                                                  deviation[3] if deviation else ""))
    for (pid, code, kind), fact in latest.items():
        if kind == DEVIATION and code == "":
            out[pid].execution_deviation = fact[3]
    return out
