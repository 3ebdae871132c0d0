"""The indicator view: each project's declared 绩效指标, and every dated fact about them.

Facts (a revised target, an 实际完成值, a qualitative assessment, a deviation explanation) are
kept with their effective date and position, not overwritten, so any as-of date can be read
(which fact is in force: ``bpt.projections.views.read.indicator_states``). Numbers are exact
decimal text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bpt.domain.project import ProjectYear
from bpt.projections.views.base import EventView, Table

TEXT = "TEXT NOT NULL"
INDICATORS = Table("bpt_view_indicators", {
    "project_id": TEXT, "code": TEXT, "level1": TEXT, "level2": TEXT, "name": TEXT, "comparison": TEXT,
    "target_value": "TEXT", "target_text": TEXT, "unit": TEXT, "weight": TEXT, "position": "BIGINT NOT NULL"},
    ("project_id", "code"))
FACTS = Table("bpt_view_indicator_facts", {
    "position": "BIGINT NOT NULL", "project_id": TEXT, "code": TEXT, "kind": TEXT, "day": TEXT, "comparison": "TEXT",
    "value": "TEXT", "text": "TEXT", "grade": "TEXT", "score": "TEXT", "reason": "TEXT"},
    ("position",), (("project_id", "code"),))

# Kinds of fact rows.
TARGET = "target"
ACTUAL = "actual"
ASSESSMENT = "assessment"
DEVIATION = "deviation"  # code "" is the deviation of budget execution
# A monitoring judgement (day: its as-of date): value 全年预计完成值, grade 完成目标可能性, reason 偏差原因,
# text 纠偏措施; code "" is the project's 全年预计执行数 (value, in 元; text its reason).
FORECAST = "forecast"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class IndicatorView(EventView):
    name = "indicators"
    tables = (INDICATORS, FACTS)

    def handlers(self) -> dict[type, Any]:
        return {
            ProjectYear.IndicatorDeclared: self._declared,
            ProjectYear.TargetRevised: self._revised,
            ProjectYear.ActualRecorded: self._actual,
            ProjectYear.QualitativeAssessed: self._assessed,
            ProjectYear.DeviationExplained: self._deviation,
            ProjectYear.IndicatorForecast: self._forecast,
            ProjectYear.ExecutionForecast: self._execution_forecast,
        }

    def new_batch(self) -> dict[str, list[tuple]]:
        return {"indicators": [], "facts": []}

    def _declared(self, b: dict, e: Any, position: int) -> None:
        t = e.target
        b["indicators"].append((str(e.originator_id), e.indicator, e.level1, e.level2, e.name, t["comparison"],
                                _text(t["value"]), t["text"], e.unit, str(e.weight), position))

    def _fact(self, b: dict, e: Any, position: int, kind: str, **fields: Any) -> None:
        row = {"position": position, "project_id": str(e.originator_id), "code": getattr(e, "indicator", ""),
               "kind": kind, "day": e.effective_date.isoformat(), **fields}
        b["facts"].append(tuple(row.get(c) for c in FACTS.columns))

    def _revised(self, b: dict, e: Any, position: int) -> None:
        t = e.target
        self._fact(b, e, position, TARGET, comparison=t["comparison"], value=_text(t["value"]), text=t["text"],
                   reason=e.reason)

    def _actual(self, b: dict, e: Any, position: int) -> None:
        self._fact(b, e, position, ACTUAL, value=_text(e.value), text=e.text)

    def _assessed(self, b: dict, e: Any, position: int) -> None:
        self._fact(b, e, position, ASSESSMENT, grade=e.grade, score=str(e.score), reason=e.reason)

    def _deviation(self, b: dict, e: Any, position: int) -> None:
        self._fact(b, e, position, DEVIATION, text=e.text)

    def _forecast(self, b: dict, e: Any, position: int) -> None:
        self._fact(b, e, position, FORECAST, day=e.as_of.isoformat(), value=_text(e.value), grade=e.likelihood,
                   reason=e.cause, text=e.action)

    def _execution_forecast(self, b: dict, e: Any, position: int) -> None:
        self._fact(b, e, position, FORECAST, day=e.as_of.isoformat(), value=str(e.executed), text=e.reason)

    def flush(self, sql, b: dict) -> None:
        INDICATORS.insert(sql, b["indicators"])
        FACTS.insert(sql, b["facts"])
