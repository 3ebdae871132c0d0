"""`bpt status`: execution and live score per project, read from the SQL views.

The JSON shape is CLI.md's; the rows are ``bpt.projections.views.queries.project_rows``.
"""

from __future__ import annotations

from datetime import date

from bpt.projections.views.queries import Thresholds, project_rows
from bpt.projections.store.service import Bpt


def status(bpt: Bpt, year: int, as_of: date, dept: str | None = None, thresholds: Thresholds | None = None) -> dict:
    return {"year": year, "as_of": as_of.isoformat(), "projects": project_rows(bpt, year, as_of, dept, thresholds)}
