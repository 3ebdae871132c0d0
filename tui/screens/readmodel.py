"""What the screens show, read through projections/: the screens never touch storage themselves.

Every method returns the dicts of projections/ (CLI.md's JSON shapes: amounts in 元 with 2
decimals, rates as 4-decimal fractions), so a screen only formats them.
"""

from __future__ import annotations

from datetime import date

from bpt.domain.project import ProjectYear
from bpt.projections.audit.explain import explain
from bpt.projections.audit.history import history
from bpt.projections.views.queries import (department_rollups, indicator_rows, monthly_execution, project_rows,
                                          years_with_data)
from bpt.projections.views.runner import catch_up
from bpt.projections.store.service import Bpt


class ReadModel:
    """The read side of one fiscal year for the TUI, on one ``Bpt`` handle."""

    def __init__(self, bpt: Bpt, year: int):
        self.bpt = bpt
        self.year = year

    def years(self) -> list[int]:
        """The fiscal years with data, oldest first (the year switch offers these)."""
        return years_with_data(self.bpt)

    def head(self) -> int:
        """The position of the last recorded event (0 when the log is empty)."""
        return self.bpt.app.recorder.max_notification_id() or 0

    def catch_up(self) -> None:
        """Bring the views up to the head of the log (idempotent: views track their position)."""
        catch_up(self.bpt)

    def rollups(self, as_of: date) -> list[dict]:
        """Per department: 项目支出/基本支出/合计 figures, warning counts, department score."""
        return department_rollups(self.bpt, self.year, as_of)

    def projects(self, as_of: date, dept: str) -> list[dict]:
        """The `bpt status --json` rows of one department's projects."""
        return project_rows(self.bpt, self.year, as_of, dept)

    def project(self, code: str) -> ProjectYear:
        """The project-year itself: what a form offers to choose from (vouchers, indicators)."""
        return self.bpt.app.project(self.year, code)

    def timeline(self, code: str) -> list[dict]:
        """Every event of the project-year in log order (`bpt history --json` rows)."""
        return history(self.bpt, self.year, project=code)["events"]

    def indicators(self, code: str, as_of: date) -> list[dict]:
        """Each indicator with target, actual as of ``as_of``, weight, live score, deviation note."""
        return indicator_rows(self.bpt, self.year, code, as_of)

    def monthly(self, code: str) -> list[dict]:
        """Month 1..12: cumulative executed and 执行率 at the month's end against 序时进度."""
        return monthly_execution(self.bpt, self.year, code)

    def explain(self, code: str, figure: str, as_of: date) -> dict:
        """The events behind one figure (`bpt explain --json`), on the effective-date axis."""
        return explain(self.bpt, self.year, code, figure, as_of=as_of)
