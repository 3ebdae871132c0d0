"""Scoring a department's whole-of-spending self-assessment (部门整体支出绩效自评) under a
department rubric: each indicator's value is a formula over named figures, its score a rule.

Missing figures, division by zero and manual scores not yet given never raise: the indicator
gets ``score=None`` and an explanation saying what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bpt.domain.rubric.formula import FormulaError, MissingFigures, NotComputable, fmt_number
from bpt.domain.rubric.model import DEPARTMENT, DepartmentIndicator, Rubric, RubricError
from bpt.domain.rubric.rules import ROUNDING_NOTE, ManualRule, quantize_score, show_value

ZERO = Decimal(0)
OK, MISSING, NOT_COMPUTABLE, PENDING, INVALID, OVERRIDDEN, NOT_APPLICABLE = (
    "ok", "missing", "not_computable", "pending", "invalid", "overridden", "not_applicable")


@dataclass(frozen=True)
class DepartmentIndicatorScore:
    code: str
    level1: str
    level2: str
    name: str
    weight: Decimal
    value: Decimal | None
    score: Decimal | None  # None: missing data, not computable or awaiting a manual score
    rule: str
    explanation: str
    status: str = OK  # ok, missing, not_computable, pending, invalid, overridden, not_applicable
    unit: str = ""
    missing: tuple[str, ...] = ()

    @property
    def below_full(self) -> bool:
        return self.score is None or self.score < self.weight


@dataclass(frozen=True)
class DepartmentScore:
    indicators: list[DepartmentIndicatorScore]
    total: Decimal  # sum of the scores there are (2 decimals each)
    grade: str
    complete: bool  # every indicator has a score
    level_scores: dict[str, Decimal] = field(default_factory=dict)
    missing_figures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rubric: str = ""
    rubric_hash: str = ""


def score_department(rubric: Rubric, figures: Mapping[str, Decimal],
                     manual: Mapping[str, tuple[Decimal, str]] = {}) -> DepartmentScore:  # noqa: B006 - read only
    if rubric.kind != DEPARTMENT:
        raise RubricError(f"评分规则“{rubric.name}”不是部门整体评分规则（kind = {rubric.kind}）", field="kind",
                          source=rubric.source)
    warnings = [f"人工评分中的指标代码“{code}”不在评分规则 {rubric.name} 中"
                for code in manual if rubric.indicator(code) is None]
    scores = [_score(rubric, ind, figures, manual.get(ind.code)) for ind in rubric.indicators]
    total = sum((s.score for s in scores if s.score is not None), ZERO)
    levels = {lv.name: sum((s.score for s in scores if s.level1 == lv.name and s.score is not None), ZERO)
              for lv in rubric.levels}
    missing = sorted({n for s in scores for n in s.missing})
    return DepartmentScore(scores, total, rubric.grade_for(total), all(s.score is not None for s in scores),
                           levels, missing, warnings, rubric.name, rubric.content_hash)


def _score(rubric: Rubric, ind: DepartmentIndicator, figures: Mapping[str, Decimal],
           entry: tuple[Decimal, str] | None) -> DepartmentIndicatorScore:
    rule_text = ind.rule.describe(ind.weight, ind.unit)

    def result(value, score, explanation, status=OK, missing=()):
        return DepartmentIndicatorScore(ind.code, ind.level1, ind.level2, ind.name, ind.weight, value, score,
                                        rule_text, explanation, status, ind.unit, tuple(missing))

    if isinstance(ind.rule, ManualRule):
        if entry is None:
            return result(None, None, f"待人工评分（{rule_text}）", PENDING)
        score, reason = _manual_score(entry[0]), entry[1]
        problem = ind.rule.check(score, reason, ind.weight)
        if problem:
            return result(None, None, f"人工评分无效：{problem}（{rule_text}）", INVALID)
        q = quantize_score(score)
        return result(None, q, f"人工评分 {fmt_number(score)} 分；理由：{str(reason).strip()}；得分 {q}（{ROUNDING_NOTE}）")
    value, exact, text, status, missing = _compute(rubric, ind, figures, rule_text)
    if entry is not None:
        score, reason = _manual_score(entry[0]), entry[1]
        problem = ManualRule().check(score, reason, ind.weight)
        if problem:
            return result(value, None, f"人工认定无效：{problem}；计算结果：{text}", INVALID, missing)
        q = quantize_score(score)
        computed = f"{quantize_score(exact)} 分" if exact is not None else "无"
        return result(value, q, f"人工认定 {fmt_number(score)} 分（覆盖计算结果 {computed}）；理由：{str(reason).strip()}；"
                                f"计算依据：{text}", OVERRIDDEN, missing)
    return result(value, None if exact is None else quantize_score(exact), text, status, missing)


def _compute(rubric: Rubric, ind: DepartmentIndicator, figures: Mapping[str, Decimal], rule_text: str):
    """(value, exact score or None, explanation, status, missing figure names)."""
    try:
        if ind.not_applicable_if is not None:
            cond = ind.not_applicable_if.trace(figures)
            if cond.value != 0:
                score = ind.weight if ind.not_applicable_score is None else ind.not_applicable_score
                what = "满分" if ind.not_applicable_score is None else f"{fmt_number(score)} 分"
                return None, score, (f"不适用：{ind.not_applicable_if.text}（{cond.arithmetic}）成立，按{what}计；"
                                     f"得分 {quantize_score(score)}（{ROUNDING_NOTE}）"), NOT_APPLICABLE, ()
        trace = ind.value.trace(figures)
        value = trace.value
        outcome = ind.rule.apply(value, ind.weight, ind.unit, figures)
    except MissingFigures as e:
        return None, None, f"缺少数据: {', '.join(e.names)}", MISSING, tuple(e.names)
    except NotComputable as e:
        return None, None, f"不可计算：{e.message}", NOT_COMPUTABLE, ()
    except FormulaError as e:  # pragma: no cover - the loader checked the formulas
        return None, None, f"不可计算：{e.message}", NOT_COMPUTABLE, ()
    inputs = "，".join(f"{n}（{_short(rubric.figures.get(n, n))}）= {fmt_number(figures[n])}"
                      for n in sorted(ind.value.names))
    conds = "；".join(trace.conditions)
    shown = show_value(value, ind.unit)
    if ind.value.names == {ind.value.text}:
        value_text = f"{ind.name} = {ind.value.text} = {shown}"
    else:
        value_text = f"{ind.name} = {ind.value.text} = {conds + ' → ' if conds else ''}{trace.arithmetic} = {shown}"
    score = quantize_score(outcome.score)
    return value, outcome.score, (f"输入：{inputs}；{value_text}；规则：{rule_text}；{outcome.arithmetic}；"
                                  f"得分 {score}（{ROUNDING_NOTE}）"), OK, ()


def _manual_score(score: object) -> object:
    """Integers are exact too; anything else (a float) is left for the check to refuse."""
    return Decimal(score) if isinstance(score, int) and not isinstance(score, bool) else score


def _short(label: str) -> str:
    return label.split("（")[0]
