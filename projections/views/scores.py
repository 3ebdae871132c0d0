"""The score view: each 项目支出 project's live self-assessment score under the rubric in force.

Not an event-by-event view: a project's score is a pure function of its rows in the execution
and indicator views, so it is recomputed (not incremented) for the projects a catch-up touched,
from the rows of the batch that brings those views to the head, in that batch's transaction
(which sets the score position with theirs). The rubric in force is the project rubric the
department adopted (``RubricAdopted`` carries its text), else the default; 基本支出 lines are not scored.
"""

from __future__ import annotations

from typing import Any

from bpt.domain.department import DepartmentYear
from bpt.domain.figures import EVENT_LINES
from bpt.domain.project import EXECUTED, ProjectYear
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, ProjectScore, Rubric, builtin_rubric, load_rubric_text, score_project
from bpt.domain.rubric.model import PROJECT
from bpt.domain.values import PROJECT_SPENDING
from bpt.projections.store.sql import Sql, from_cents, to_cents
from bpt.projections.views.base import Table
from bpt.projections.views.execution import BUDGET, DEPARTMENTS, PROJECTS, RUBRICS
from bpt.projections.views.read import ADJUSTED_BUDGET, ProjectFacts, ProjectRow, Selection, figures, indicator_states

# The explanations (rule, inputs, arithmetic) are not stored: they are long, and cheap to
# recompute for the one project a reader opens (``bpt.projections.views.queries.indicator_rows``).
SCORES = Table("bpt_view_scores", {
    "project_id": "TEXT NOT NULL", "rubric": "TEXT NOT NULL", "rubric_hash": "TEXT NOT NULL",
    "execution_score": "BIGINT NOT NULL", "total": "BIGINT NOT NULL", "grade": "TEXT NOT NULL",
    "needs_execution_deviation": "INTEGER NOT NULL", "warnings": "TEXT NOT NULL"}, ("project_id",))
INDICATOR_SCORES = Table("bpt_view_indicator_scores", {
    "project_id": "TEXT NOT NULL", "code": "TEXT NOT NULL", "score": "BIGINT", "rule": "TEXT NOT NULL",
    "below_full": "INTEGER NOT NULL"}, ("project_id", "code"))

# The project events that can change a score.
SCORED_EVENTS = frozenset({ProjectYear.Created, *EVENT_LINES, ProjectYear.IndicatorDeclared, ProjectYear.TargetRevised,
                           ProjectYear.ActualRecorded, ProjectYear.QualitativeAssessed})

CHUNK = 5000  # projects scored per read in a full recompute (each read scans the indicator tables)
_RUBRICS: dict[str, Rubric] = {}  # content hash → rubric: a text never changes under its hash


def rubric_in_force(sql: Sql, content_hash: str | None, kind: str = PROJECT) -> Rubric | None:
    """The adopted rubric (its text is in the view), else the project default; None when a
    department has adopted no department rubric."""
    if not content_hash:
        return builtin_rubric(DEFAULT_PROJECT_RUBRIC) if kind == PROJECT else None
    rubric = _RUBRICS.get(content_hash)
    if rubric is None:
        ((name, text),) = sql.rows(f"SELECT name, text FROM {RUBRICS.name} WHERE content_hash = ?", (content_hash,))
        rubric = _RUBRICS[content_hash] = load_rubric_text(text, source=name)
    return rubric


def score(sql: Sql, row: ProjectRow, lines: list[int], facts: ProjectFacts) -> ProjectScore | None:
    """The score of one project from its budget lines (分) and indicator facts; None for 基本支出."""
    if row.kind != PROJECT_SPENDING:
        return None
    f = figures(lines)
    return score_project(rubric_in_force(sql, row.project_rubric_hash), f["adjusted_budget"], f["executed"],
                         [s.facts for s in facts.indicators])


class ScoreView:
    name = "scores"
    tables = (SCORES, INDICATOR_SCORES)

    @staticmethod
    def note(event: Any, projects_touched: set[str], departments_touched: set[str]) -> None:
        """Remember what ``event`` makes stale."""
        if type(event) in SCORED_EVENTS:
            projects_touched.add(str(event.originator_id))
        elif isinstance(event, DepartmentYear.RubricAdopted) and event.kind == "project":
            departments_touched.add(str(event.originator_id))

    def recompute_touched(self, sql: Sql, project_ids: set[str], dept_ids: set[str]) -> None:
        for sel in (*Selection.ids(project_ids), *Selection.departments(dept_ids)):
            for table in self.tables:
                sql.run(f"DELETE FROM {table.name} WHERE project_id IN "
                        f"(SELECT p.project_id FROM {PROJECTS.name} p WHERE {sel.condition})", sel.params)
            self._write(sql, sel)

    def recompute_all(self, sql: Sql) -> None:
        for table in self.tables:
            sql.truncate(table.name)
        # In ranges of project ids (bounds as the database orders them): memory stays bounded
        # however many facts there are, and each read is one short statement.
        ids = [pid for (pid,) in sql.rows(f"SELECT project_id FROM {PROJECTS.name} ORDER BY project_id")]
        for start in range(0, len(ids), CHUNK):
            if start + CHUNK < len(ids):
                self._write(sql, Selection("p.project_id >= ? AND p.project_id < ?", (ids[start], ids[start + CHUNK])))
            else:
                self._write(sql, Selection("p.project_id >= ?", (ids[start],)))

    def _write(self, sql: Sql, sel: Selection) -> None:
        """Score the selected 项目支出 projects: their 全年预算数 and 执行数 summed in SQL (分),
        with the rubric in force, in one read; their indicator facts in another."""
        money = sql.rows(
            f"SELECT p.project_id, d.project_rubric_hash, SUM({ADJUSTED_BUDGET}), SUM(m.{EXECUTED}) "
            f"FROM {PROJECTS.name} p LEFT JOIN {DEPARTMENTS.name} d ON d.year = p.year AND d.code = p.dept "
            f"LEFT JOIN {BUDGET.name} m ON m.project_id = p.project_id WHERE p.kind = ? AND {sel.condition} "
            "GROUP BY p.project_id, d.project_rubric_hash", (PROJECT_SPENDING, *sel.params))
        facts = indicator_states(sql, sel)
        scores, indicators = [], []
        for pid, rubric_hash, budget, executed in money:
            s = score_project(rubric_in_force(sql, rubric_hash), from_cents(budget), from_cents(executed),
                              [i.facts for i in facts[pid].indicators] if pid in facts else [])
            scores.append((pid, s.rubric, s.rubric_hash, to_cents(s.execution_score), to_cents(s.total),
                           s.grade, int(s.needs_execution_deviation), "\n".join(s.warnings)))
            indicators.extend((pid, i.code, None if i.score is None else to_cents(i.score), i.rule,
                               int(i.below_full)) for i in s.indicators)
        SCORES.insert(sql, scores)
        INDICATOR_SCORES.insert(sql, indicators)
