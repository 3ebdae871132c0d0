"""The 绩效运行监控表 of a department at an as-of date (``bpt report --form monitoring``), as a dict.

Figures to the as-of date on the effective-date axis, read from the views: the money of
``bpt status --as-of`` (the same rows), the indicators in force (``indicator_states``), and
the monitoring judgements recorded at or before the date (the latest as-of date wins; ties:
the later recorded). Forecasts follow ``bpt.domain.forecast``, each with its rule stated; the
forecast score is the rubric in force over the forecast 执行数 and indicator values, and
``points_at_risk`` is full marks minus that score. Amounts in 元, rates 4-decimal fractions,
scores 2 decimals (CLI.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from bpt.domain.calendar import check_in_year, time_progress
from bpt.domain.figures import execution_rate
from bpt.domain.forecast import forecast_executed, forecast_indicator
from bpt.domain.money import ZERO, fmt_rate, fmt_score, fmt_yuan
from bpt.domain.rubric import score_project
from bpt.domain.rubric.formula import fmt_number
from bpt.domain.values import CERTAIN, PROJECT_SPENDING, QUALITATIVE
from bpt.projections.reports.body import show_actual, show_target
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql
from bpt.projections.views.execution import DEPARTMENTS, PROJECTS
from bpt.projections.views.indicators import FACTS, FORECAST
from bpt.projections.views.queries import current_views, project_rows
from bpt.projections.views.read import ProjectFacts, Selection, indicator_states, projects
from bpt.projections.views.scores import rubric_in_force

FORM = "monitoring"


def judgements(sql: Sql, sel: Selection, as_of: date) -> dict[tuple[str, str], tuple]:
    """(project_id, indicator code or "" for money) → (as_of, value, likelihood, cause, action) in force."""
    out: dict[tuple[str, str], tuple] = {}
    for pid, code, day, value, likelihood, cause, action in sql.rows(
            f"SELECT f.project_id, f.code, f.day, f.value, f.grade, f.reason, f.text FROM {FACTS.name} f "
            f"JOIN {PROJECTS.name} p ON p.project_id = f.project_id WHERE {sel.condition} AND f.kind = ? "
            "AND f.day <= ? ORDER BY f.position", (*sel.params, FORECAST, as_of.isoformat())):
        key = (pid, code)
        if key not in out or day >= out[key][0]:
            out[key] = (day, None if value is None else Decimal(value), likelihood, cause or "", action or "")
    return out


def deviates(row: dict) -> bool:
    """偏差: the department doubts the target (有可能 / 完全不可能) or the forecast misses full marks."""
    doubted = row["likelihood"] not in (None, CERTAIN)
    short = row.get("forecast_score") is not None and Decimal(row["forecast_score"]) < Decimal(row["weight"])
    return doubted or short


def _shown(value: Decimal | None, unit: str, target: str) -> str:
    """全年预计完成值 as the form writes it: like an 实际完成值 (``8次``, ``7.25万元``); a rate (kept as
    a fraction) as a percentage."""
    if value is None:
        return ""
    if unit == "%":
        return f"{fmt_number(value * 100, 2)}%"
    return show_actual(value, "", unit, target)


def _indicator(state, judged: tuple | None, progress: Decimal) -> tuple[dict, object]:
    """The form's row of one indicator, and its facts with the forecast in place of the actual."""
    f = state.facts
    quantitative = f.comparison != QUALITATIVE
    fc = forecast_indicator(f.actual, f.comparison, f.level2, f.unit, progress, judged[1] if judged else None)
    target = show_target(f.comparison, f.target_text, f.unit)
    row = {
        "code": f.code, "level1": f.level1, "level2": f.level2, "name": f.name, "unit": f.unit,
        "weight": fmt_score(f.weight), "target": target,
        "actual": show_actual(f.actual, f.actual_text, f.unit, target) if (f.actual is not None or f.actual_text) else None,
        "forecast": (fmt_number(fc.value) if fc.value is not None else None) if quantitative else (
            f.actual_text or None),
        "forecast_shown": _shown(fc.value, f.unit, target) if quantitative else (f.actual_text or ""),
        "forecast_rule": fc.rule if quantitative else None,
        "forecast_explanation": fc.explanation if quantitative else "定性指标：按评定结果",
        "judged_on": judged[0] if judged else None,
        "likelihood": judged[2] if judged else None, "cause": judged[3] if judged else None,
        "action": judged[4] if judged else None,
    }
    forecast_facts = replace(f, actual=fc.value) if quantitative and fc.value is not None else f
    return row, forecast_facts


def _project(status_row: dict, row, facts: ProjectFacts, judged: dict, rubric, progress: Decimal) -> dict:
    executed, budget = Decimal(status_row["executed"]), Decimal(status_row["adjusted_budget"])
    money = judged.get((row.project_id, ""))
    fx = forecast_executed(executed, budget, progress, money[1] if money else None)
    indicators, forecast_facts = [], []
    for state in facts.indicators:
        shown, ff = _indicator(state, judged.get((row.project_id, state.facts.code)), progress)
        indicators.append(shown)
        forecast_facts.append(ff)
    s = score_project(rubric, budget, fx.value, forecast_facts)
    full = s.execution_weight + sum((i.facts.weight for i in facts.indicators), ZERO)
    for shown, scored in zip(indicators, s.indicators, strict=True):
        shown["forecast_score"] = None if scored.score is None else fmt_score(scored.score)
        shown["deviation"] = deviates(shown)
    forecast_rate = execution_rate(fx.value, budget)
    return {
        "project": row.code, "name": row.name,
        "initial_budget": status_row["initial_budget"], "adjusted_budget": status_row["adjusted_budget"],
        "executed": status_row["executed"], "execution_rate": status_row["execution_rate"],
        "time_progress": status_row["time_progress"], "warning": status_row["warning"],
        "total_score": status_row["total_score"],
        "forecast_executed": fmt_yuan(fx.value), "forecast_rule": fx.rule, "forecast_explanation": fx.explanation,
        "forecast_reason": money[4] if money else None,
        "forecast_execution_rate": None if forecast_rate is None else fmt_rate(forecast_rate),
        "forecast_execution_score": fmt_score(s.execution_score),
        "forecast_total_score": fmt_score(s.total), "full_marks": fmt_score(full),
        "points_at_risk": fmt_score(full - s.total), "indicators": indicators,
    }


def monitoring_form(bpt: Bpt, dept: str, year: int, as_of: date) -> dict:
    """The 绩效运行监控表 of ``dept`` at ``as_of`` (in the year), JSON-ready."""
    check_in_year(as_of, year, "截至日期")
    status_rows = {r["project"]: r for r in project_rows(bpt, year, as_of, dept) if r["kind"] == PROJECT_SPENDING}
    progress = time_progress(as_of, year)
    with current_views(bpt) as sql:
        (name,) = sql.rows(f"SELECT name FROM {DEPARTMENTS.name} WHERE year = ? AND code = ?", (year, dept))[0]
        sel = Selection.year(year, dept)
        rows = [r for r in projects(sql, sel) if r.code in status_rows]
        states = indicator_states(sql, sel, as_of)
        judged = judgements(sql, sel, as_of)
        out = [_project(status_rows[r.code], r, states.get(r.project_id, ProjectFacts()), judged,
                        rubric_in_force(sql, r.project_rubric_hash), progress) for r in rows]
    return {"dept": dept, "dept_name": name, "year": year, "as_of": as_of.isoformat(), "form": FORM,
            "time_progress": fmt_rate(progress), "summary": summary(out), "projects": out}


def summary(projects_: list[dict]) -> dict:
    """The department's totals on top of the form, and its projects by points at risk (most first)."""
    def total(key: str) -> Decimal:
        return sum((Decimal(p[key]) for p in projects_), ZERO)

    budget, executed, forecast = total("adjusted_budget"), total("executed"), total("forecast_executed")
    rate, forecast_rate = execution_rate(executed, budget), execution_rate(forecast, budget)
    at_risk = sorted(projects_, key=lambda p: (-Decimal(p["points_at_risk"]), p["project"]))
    return {
        "projects": len(projects_), "initial_budget": fmt_yuan(total("initial_budget")),
        "adjusted_budget": fmt_yuan(budget), "executed": fmt_yuan(executed),
        "execution_rate": None if rate is None else fmt_rate(rate),
        "forecast_executed": fmt_yuan(forecast),
        "forecast_execution_rate": None if forecast_rate is None else fmt_rate(forecast_rate),
        "warnings": {level: sum(p["warning"] == level for p in projects_) for level in ("red", "yellow", "green")},
        "points_at_risk": fmt_score(total("points_at_risk")),
        "at_risk": [{"project": p["project"], "name": p["name"], "points_at_risk": p["points_at_risk"]}
                    for p in at_risk],
    }

