"""What a rubric (评分规则) is, once loaded: levels, weights, rules, grades. Immutable.

The TOML format is described in docs/rubrics.md; ``bpt.domain.rubric.loader`` reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from bpt.domain.rubric.formula import Formula, fmt_number
from bpt.domain.rubric.rules import Band, BandsRule, FormulaRule, ProportionalRule, Rule

PROJECT = "project"
DEPARTMENT = "department"
KINDS = (PROJECT, DEPARTMENT)


class RubricError(Exception):
    """A rubric file (or a name) is not usable. ``line`` is 1-based or None; ``field`` is the
    dotted path of the offending key (array items numbered from 1), or None."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None, source: str = "<text>"):
        self.message = " ".join(str(message).split())  # one line, always
        self.line = line
        self.field = field
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.source]
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        if self.field:
            where.append(f"字段 {self.field}")
        return f"{'，'.join(where)}：{self.message}"


@dataclass(frozen=True)
class GradeBand:
    """评价等次: ``grade`` applies to totals >= ``min`` (bands are held highest first)."""

    grade: str
    min: Decimal


@dataclass(frozen=True)
class Level2:
    name: str
    weight: Decimal | None  # None: a project rubric, where the projects declare the weights


@dataclass(frozen=True)
class Level:
    """一级指标 with its weight and its 二级指标."""

    name: str
    weight: Decimal
    level2: tuple[Level2, ...]

    def level2_names(self) -> tuple[str, ...]:
        return tuple(l2.name for l2 in self.level2)


@dataclass(frozen=True)
class ExecutionRule:
    """预算执行率 of a project: proportional with a cap, banded over ``rate``, or a formula over
    ``rate``, ``weight``, ``executed`` and ``budget``."""

    level: str
    weight: Decimal
    rule: ProportionalRule | BandsRule | FormulaRule
    deviation_below: Decimal  # 执行率 below this needs a written deviation reason
    description: str


@dataclass(frozen=True)
class QuantitativeRule:
    """How a quantitative indicator with this comparison scores: a formula over
    ``actual``, ``target`` and ``weight``. ``level2`` holds the rules stated for particular
    二级指标 (their ``level2`` is the name; the comparison's own rule has "")."""

    comparison: str
    label: str
    description: str
    score: Formula
    level2_name: str = ""
    level2: Mapping[str, QuantitativeRule] = field(default_factory=lambda: MappingProxyType({}))

    def for_level2(self, name: str) -> QuantitativeRule:
        """The rule an indicator under this 二级指标 gets: its own, else this comparison's."""
        return self.level2.get(name, self)


@dataclass(frozen=True)
class Overachievement:
    """目标设定偏低: an "=" / "≥" actual at or above ``share`` × target is flagged, and
    ``deduction`` (a formula over actual, target, weight and score), if any, is deducted."""

    share: Decimal
    deduction: Formula | None = None

    def applies(self, comparison: str, actual: Decimal, target: Decimal) -> bool:
        return comparison in (">=", "=") and target > 0 and actual >= self.share * target


@dataclass(frozen=True)
class QualitativeBand:
    """A grade of a qualitative indicator and the share of the weight it allows: [low, high),
    except the band that reaches 100%, which includes it ([80%, 100%])."""

    grade: str
    low: Decimal
    high: Decimal

    @property
    def closed(self) -> bool:
        return self.high == 1

    def allows(self, score: Decimal, weight: Decimal) -> bool:
        """Whether ``score`` of an indicator worth ``weight`` lies in this band."""
        low, high = self.low * weight, self.high * weight
        return low <= score <= high if self.closed else low <= score < high

    def interval(self) -> str:
        """``[80%, 100%]`` / ``[60%, 80%)``."""
        return f"[{fmt_number(self.low * 100)}%, {fmt_number(self.high * 100)}%{']' if self.closed else ')'}"


@dataclass(frozen=True)
class QualitativeRule:
    bands: tuple[QualitativeBand, ...]
    reason_below_full: bool

    def band(self, grade: str) -> QualitativeBand | None:
        return next((b for b in self.bands if b.grade == grade), None)


@dataclass(frozen=True)
class DepartmentIndicator:
    """A department-level indicator: a value computed from named figures, scored by a rule."""

    code: str
    level1: str
    level2: str
    name: str
    weight: Decimal
    unit: str
    standard: str  # 评价标准, as the filing words it
    definition: str  # 指标说明
    value: Formula | None  # None only for a manual indicator
    rule: Rule
    not_applicable_if: Formula | None = None
    not_applicable_score: Decimal | None = None  # None: full marks

    @property
    def figure_names(self) -> frozenset[str]:
        names = set(self.value.names if self.value else ())
        if self.not_applicable_if is not None:
            names |= self.not_applicable_if.names
        names |= self.rule.figure_names
        return frozenset(names - {"value", "weight"})


@dataclass(frozen=True)
class Rubric:
    name: str
    title: str
    kind: str
    basis: str
    total: Decimal
    grades: tuple[GradeBand, ...]
    levels: tuple[Level, ...]
    text: str = field(repr=False)
    source: str
    content_hash: str  # sha256 hex of the file's UTF-8 bytes
    execution: ExecutionRule | None = None
    quantitative: Mapping[str, QuantitativeRule] = field(default_factory=lambda: MappingProxyType({}))
    qualitative: QualitativeRule | None = None
    overachievement: Overachievement | None = None
    figures: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    indicators: tuple[DepartmentIndicator, ...] = ()

    def __hash__(self) -> int:  # the mappings inside are not hashable; the file's hash identifies it
        return hash((self.name, self.content_hash))

    def grade_for(self, total: Decimal) -> str:
        """评价等次 of a total score: the first band whose minimum the total reaches."""
        for band in self.grades:
            if total >= band.min:
                return band.grade
        return self.grades[-1].grade

    @property
    def level_weights(self) -> dict[str, Decimal]:
        """一级指标 → 分值, 预算执行率 first for a project rubric."""
        weights = {self.execution.level: self.execution.weight} if self.execution else {}
        weights.update((lv.name, lv.weight) for lv in self.levels)
        return weights

    def quantitative_rule(self, comparison: str, level2: str) -> QuantitativeRule | None:
        """The rule a quantitative indicator gets: its 二级指标's, else its comparison's."""
        rule = self.quantitative.get(comparison)
        return None if rule is None else rule.for_level2(level2)

    def level(self, name: str) -> Level | None:
        return next((lv for lv in self.levels if lv.name == name), None)

    def indicator(self, code: str) -> DepartmentIndicator | None:
        return next((i for i in self.indicators if i.code == code), None)


__all__ = [
    "Band", "DepartmentIndicator", "ExecutionRule", "GradeBand", "Level", "Level2", "Overachievement", "QualitativeBand",
    "QualitativeRule", "QuantitativeRule", "Rubric", "RubricError", "DEPARTMENT", "PROJECT", "KINDS",
]
