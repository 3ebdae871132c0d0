"""The execution view: departments, projects, budget lines per funding source, in 分.

``bpt_view_budget`` holds each project's totals (the fast "now" path); ``bpt_view_budget_daily``
the same movements per effective date, for figures as of any date and cumulative months.
Both are fed by ``bpt.domain.figures.movement`` — the reference fold — so they cannot disagree
with it about which event moves which line.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bpt.domain.department import DepartmentYear
from bpt.domain.figures import EVENT_LINES, movement
from bpt.domain.project import LINES, ProjectYear
from bpt.projections.store.sql import to_cents
from bpt.projections.views.base import LINE_COLUMNS, EventView, Table, adding

TEXT, NUMBER = "TEXT NOT NULL", "BIGINT NOT NULL"

DEPARTMENTS = Table("bpt_view_departments", {
    "dept_id": TEXT, "year": "INTEGER NOT NULL", "code": TEXT, "name": TEXT, "staff_quota": "INTEGER",
    "staff_actual": "INTEGER", "project_rubric": "TEXT", "project_rubric_hash": "TEXT", "dept_rubric": "TEXT",
    "dept_rubric_hash": "TEXT", "position": NUMBER}, ("dept_id",), (("year", "code"),))
PROJECTS = Table("bpt_view_projects", {
    "project_id": TEXT, "year": "INTEGER NOT NULL", "dept": TEXT, "code": TEXT, "name": TEXT, "kind": TEXT,
    "position": NUMBER}, ("project_id",), (("year", "dept"), ("year", "code")))
BUDGET = Table("bpt_view_budget", {"project_id": TEXT, "source": TEXT, **LINE_COLUMNS}, ("project_id", "source"))
DAILY = Table("bpt_view_budget_daily", {"project_id": TEXT, "day": TEXT, "source": TEXT, **LINE_COLUMNS},
              ("project_id", "day", "source"))
BASIC_DATA = Table("bpt_view_basic_data", {
    "position": NUMBER, "dept_id": TEXT, "key": TEXT, "day": TEXT, "value": TEXT, "source": TEXT},
    ("position",), (("dept_id",),))
RUBRICS = Table("bpt_view_rubrics", {"content_hash": TEXT, "name": TEXT, "kind": TEXT, "text": TEXT},
                ("content_hash",))

# RubricAdopted.kind → the department columns it sets.
RUBRIC_COLUMNS = {"project": ("project_rubric", "project_rubric_hash"),
                  "department": ("dept_rubric", "dept_rubric_hash")}
LINE_INDEX = {line: i for i, line in enumerate(LINES)}


class _Batch:
    def __init__(self) -> None:
        self.budget: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(LINES))
        self.daily: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(LINES))
        self.projects: list[tuple] = []
        self.new_departments: dict[str, dict[str, Any]] = {}
        self.department_changes: dict[str, dict[str, Any]] = {}
        self.basic_data: list[tuple] = []
        self.rubrics: dict[str, tuple] = {}

    def change_department(self, dept_id: str, **columns: Any) -> None:
        row = self.new_departments.get(dept_id)
        if row is None:
            row = self.department_changes.setdefault(dept_id, {})
        row.update(columns)


class ExecutionView(EventView):
    name = "execution"
    tables = (DEPARTMENTS, PROJECTS, BUDGET, DAILY, BASIC_DATA, RUBRICS)

    def handlers(self) -> dict[type, Any]:
        return {
            ProjectYear.Created: self._project,
            **{cls: self._movement for cls in EVENT_LINES},
            DepartmentYear.Created: self._department,
            DepartmentYear.StaffRecorded: self._staff,
            DepartmentYear.RubricAdopted: self._rubric,
            DepartmentYear.BasicDataRecorded: self._basic_data,
        }

    def new_batch(self) -> _Batch:
        return _Batch()

    # -- apply: accumulate in memory -------------------------------------------------

    def _project(self, b: _Batch, e: Any, position: int) -> None:
        b.projects.append((str(e.originator_id), e.year, e.dept, e.code, e.name, e.kind, position))

    def _movement(self, b: _Batch, e: Any, position: int) -> None:
        line, amount = movement(e)
        i, cents, pid = LINE_INDEX[line], to_cents(amount), str(e.originator_id)
        b.budget[(pid, e.source)][i] += cents
        b.daily[(pid, e.effective_date.isoformat(), e.source)][i] += cents

    def _department(self, b: _Batch, e: Any, position: int) -> None:
        b.new_departments[str(e.originator_id)] = {
            "dept_id": str(e.originator_id), "year": e.year, "code": e.code, "name": e.name,
            "staff_quota": e.staff_quota, "staff_actual": e.staff_actual, "position": position}

    def _staff(self, b: _Batch, e: Any, position: int) -> None:
        b.change_department(str(e.originator_id), staff_quota=e.staff_quota, staff_actual=e.staff_actual)

    def _rubric(self, b: _Batch, e: Any, position: int) -> None:
        name, hash_ = RUBRIC_COLUMNS[e.kind]
        b.change_department(str(e.originator_id), **{name: e.rubric, hash_: e.content_hash})
        b.rubrics[e.content_hash] = (e.content_hash, e.rubric, e.kind, e.text)

    def _basic_data(self, b: _Batch, e: Any, position: int) -> None:
        b.basic_data.append((position, str(e.originator_id), e.key, e.effective_date.isoformat(), str(e.value),
                             e.source))

    # -- flush: one statement per table ------------------------------------------------

    def flush(self, sql, b: _Batch) -> None:
        PROJECTS.insert(sql, b.projects)
        BUDGET.insert(sql, [(*key, *lines) for key, lines in b.budget.items()], adding(BUDGET))
        DAILY.insert(sql, [(*key, *lines) for key, lines in b.daily.items()], adding(DAILY))
        DEPARTMENTS.insert(sql, [tuple(row.get(c) for c in DEPARTMENTS.columns) for row in b.new_departments.values()])
        for dept_id, changes in b.department_changes.items():
            assignments = ", ".join(f"{c} = ?" for c in changes)
            sql.run(f"UPDATE {DEPARTMENTS.name} SET {assignments} WHERE dept_id = ?", (*changes.values(), dept_id))
        BASIC_DATA.insert(sql, b.basic_data)
        # The text of a rubric is the same wherever its hash appears: the first copy is kept.
        RUBRICS.insert(sql, b.rubrics.values(), "ON CONFLICT (content_hash) DO NOTHING")
