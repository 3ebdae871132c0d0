"""A department-year's classified figures, read from its projects' events.

``department_flows`` reads the events; ``derived_figures`` is the one function the rubric, the
report and ``bpt dept figures`` read the figures through (a function of department and year,
with the usual axes: as-of date, event-store position); ``figures_doc`` is the
``bpt dept figures --json`` document.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bpt.domain import dept_figures as df
from bpt.domain.classification import codes, econ_name, func_name
from bpt.domain.department import BASIC_DATA, DepartmentYear
from bpt.domain.ledger import project_id
from bpt.domain.money import fmt_yuan
from bpt.domain.refusal import Refusal
from bpt.projections.store.eventlog import Logged, logs, upto
from bpt.projections.store.facts import declared_and_derived, department_state
from bpt.projections.store.service import Bpt


def department_logs(bpt: Bpt, year: int, dept: DepartmentYear,
                    upto_position: int | None = None) -> dict[str, list[Logged]]:
    """Each project's events (stored at or before ``upto_position``), by project code."""
    found = logs(bpt, [project_id(year, code) for code in dept.projects])
    return {code: upto(found[project_id(year, code)], upto_position) for code in dept.projects}


def department_flows(bpt: Bpt, year: int, dept: DepartmentYear, as_of: date | None = None,
                     upto_position: int | None = None) -> list[df.Flow]:
    """The classified flows of every project of the department, effective by ``as_of``."""
    out: list[df.Flow] = []
    for logged in department_logs(bpt, year, dept, upto_position).values():
        out += df.effective(df.flows(x.event for x in logged), as_of)
    return out


def _department(bpt: Bpt, year: int, code: str, upto_position: int | None) -> DepartmentYear:
    dept = department_state(bpt, year, code, upto_position)
    if dept is None:
        raise Refusal("部门", f"未找到部门 {code}（{year} 年度）")
    return dept


def derived_figures(bpt: Bpt, year: int, code: str, as_of: date | None = None,
                    upto_position: int | None = None) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The department's figures by name, and each one's origin (计算 / 填报): derived from the
    classified events, or typed with ``bpt dept data`` where no classified ledger is kept."""
    dept = _department(bpt, year, code, upto_position)
    return declared_and_derived(dept, department_flows(bpt, year, dept, as_of, upto_position))


def figures_doc(bpt: Bpt, year: int, code: str, as_of: date | None = None) -> dict:
    """The CLI ``bpt dept figures --json`` document; amounts in 元."""
    dept = _department(bpt, year, code, None)
    flows = department_flows(bpt, year, dept, as_of)
    values, origin = declared_and_derived(dept, flows)

    def y(key: str) -> str:
        return fmt_yuan(values[key])

    def pair(key: str) -> dict:
        return {"budget": y(f"{key}_budget"), "actual": y(f"{key}_actual")}

    econ = sorted(k.partition(".")[2] for k in values if k.startswith("basic_by_econ."))
    fund_types = [t for t in codes().fund_types if f"fund_actual.{t}" in values]
    by_income: dict[str, dict[str, Decimal]] = {}
    for t in fund_types:
        row = by_income.setdefault(codes().income[t], {"initial_budget": Decimal(0), "budget": Decimal(0),
                                                        "actual": Decimal(0)})
        for m in row:
            row[m] += values[f"fund_{m}.{t}"]
    return {
        "dept": code, "name": dept.name, "year": year, "as_of": (as_of or date(year, 12, 31)).isoformat(),
        "classified": df.classified(flows),
        "basic": {"initial_budget": y("basic_initial_budget"), "budget": y("basic_budget"),
                  "executed": y("basic_executed"), "unclassified": y("basic_unclassified"),
                  "by_econ": {c: y(f"basic_by_econ.{c}") for c in econ},
                  "budget_by_econ": {c: y(f"basic_budget_by_econ.{c}") for c in econ},
                  "econ_names": {c: econ_name(c) for c in econ}},
        "projects": {"initial_budget": y("project_initial_budget"), "budget": y("project_budget"),
                     "executed": y("project_executed")},
        "personnel": pair("personnel"),
        "public_funds": {**pair("public"), "office": pair("public_office"),
                         "utilities_travel": pair("public_utilities_travel"),
                         "meetings_training": pair("public_meetings_training")},
        "sangong": {**pair("sangong"), "reception": y("sangong_reception_actual"),
                    "overseas": y("sangong_overseas_actual"),
                    "vehicle_purchase": y("sangong_vehicle_purchase_actual"),
                    "vehicle_running": y("sangong_vehicle_running_actual"),
                    "parts": {part: pair(f"sangong_{part}")
                              for part in ("reception", "overseas", "vehicle_purchase", "vehicle_running")}},
        "procurement": pair("procurement"),
        "by_fund_type": {t: {m: y(f"fund_{m}.{t}") for m in ("initial_budget", "budget", "actual")}
                         for t in fund_types},
        "by_income": {row: {m: fmt_yuan(v) for m, v in amounts.items()} for row, amounts in by_income.items()},
        "by_func": {k.partition(".")[2]: {"name": func_name(k.partition(".")[2]), "actual": y(k)}
                    for k in values if k.startswith("func_actual.")},
        "unclassified": y("unclassified"),
        "figures": {k: fmt_yuan(v) for k, v in values.items()},
        "origin": origin,
        "declared_ignored": sorted(k for k, o in origin.items() if o == df.COMPUTED and k in dept.basic_data),
        "labels": {k: (df.static_specs()[k].label if k in df.static_specs() else BASIC_DATA.get(k, k))
                   for k in values if k in df.static_specs() or k in BASIC_DATA},
        "rules": {k: s.rule for k, s in df.static_specs().items()},
        "source": codes().source,
    }
