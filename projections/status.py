"""`bpt status`: execution per project, computed by replaying each project's events.

The projections issue replaces the replay with the SQL views; the figures must not change.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import time_progress
from domain.figures import execution_rate, fold, warning_level
from domain.ledger import project_id
from domain.money import fmt_rate, fmt_yuan
from projections.service import Bpt

LINES_JSON = ("initial_budget", "increases", "decreases", "transfers_in", "transfers_out", "carried_over",
              "adjusted_budget", "executed")


def status(bpt: Bpt, year: int, as_of: date, dept: str | None = None) -> dict:
    app = bpt.app
    progress = time_progress(as_of, year)
    rows = []
    for dept_code in ([dept] if dept else app.departments(year)):
        department = app.department(year, dept_code)
        for code in department.projects:
            project = app.repository.get(project_id(year, code))
            events = app.events.get(project.id)
            f = fold(events, as_of)
            rate = execution_rate(f["executed"], f["adjusted_budget"])
            rows.append({
                "dept": dept_code, "project": code, "name": project.name, "kind": project.kind,
                **{k: fmt_yuan(f[k]) for k in LINES_JSON},
                "execution_rate": fmt_rate(rate) if rate is not None else None,
                "time_progress": fmt_rate(progress),
                "warning": warning_level(rate, progress),
                "total_score": None,
            })
    return {"year": year, "as_of": as_of.isoformat(), "projects": rows}
