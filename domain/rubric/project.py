"""Scoring one project's self-assessment (项目支出绩效自评) under a project rubric.

Every score is exact until the end, then rounded once to 0.01 ROUND_HALF_UP; every score
carries its explanation (rule, formula, inputs, arithmetic). Amounts are in 元, rates are
fractions. Nothing here refuses: a figure that cannot be scored says why in its explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bpt.domain.money import fmt_yuan
from bpt.domain.refusal import Refusal
from bpt.domain.rubric.formula import NotComputable, fmt_number
from bpt.domain.rubric.model import PROJECT, ExecutionRule, QualitativeBand, Rubric, RubricError
from bpt.domain.rubric.rules import (ROUNDING_NOTE, Outcome, ProportionalRule, clamp_score, pts, quantize_score,
                                     show_value)

QUALITATIVE = "text"
ZERO = Decimal(0)
NO_ACTUAL = "尚无实际完成值，计 0 分"
NOT_ASSESSED = "尚未评定（定性指标），计 0 分"
OVERACHIEVED = "目标设定偏低"  # the flag of an actual far above its target; it needs a deviation explanation


@dataclass(frozen=True)
class IndicatorFacts:
    """What is known of one declared indicator: its target and, once recorded, its result."""

    code: str
    level1: str
    level2: str
    name: str
    comparison: str  # ">=", "<=", "=" or "text" (qualitative)
    target: Decimal | None
    target_text: str
    unit: str
    weight: Decimal
    actual: Decimal | None = None
    actual_text: str = ""
    grade: str | None = None  # qualitative: 达成 / 部分达成 / 未达成
    assessed_score: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    score: Decimal | None  # None: not computable (the explanation says why)
    weight: Decimal
    rule: str
    explanation: str
    below_full: bool
    flags: tuple[str, ...] = ()  # OVERACHIEVED


@dataclass(frozen=True)
class ProjectScore:
    execution_rate: Decimal | None  # None when the budget is 0
    execution_weight: Decimal
    execution_score: Decimal
    execution_explanation: str
    indicators: list[IndicatorScore]
    total: Decimal
    grade: str
    needs_execution_deviation: bool
    rubric: str = ""
    rubric_hash: str = ""
    warnings: list[str] = field(default_factory=list)  # layout mismatches between project and rubric


def score_project(rubric: Rubric, budget: Decimal, executed: Decimal, indicators: list[IndicatorFacts]) -> ProjectScore:
    if rubric.kind != PROJECT or rubric.execution is None:
        raise RubricError(f"评分规则“{rubric.name}”不是项目评分规则（kind = {rubric.kind}）", field="kind",
                          source=rubric.source)
    rate, exec_score, exec_text = _execution(rubric, budget, executed)
    scores = [_indicator(rubric, f) for f in indicators]
    total = exec_score + sum((s.score for s in scores if s.score is not None), ZERO)
    return ProjectScore(
        execution_rate=rate, execution_weight=rubric.execution.weight, execution_score=exec_score,
        execution_explanation=exec_text, indicators=scores, total=total, grade=rubric.grade_for(total),
        needs_execution_deviation=rate is not None and rate < rubric.execution.deviation_below,
        rubric=rubric.name, rubric_hash=rubric.content_hash, warnings=_layout_warnings(rubric, indicators))


def _execution(rubric: Rubric, budget: Decimal, executed: Decimal) -> tuple[Decimal | None, Decimal, str]:
    ex = rubric.execution
    amounts = f"全年执行数 {fmt_yuan(executed)} 元 / 全年预算数 {fmt_yuan(budget)} 元"
    if budget <= 0:
        return None, ZERO.quantize(Decimal("0.01")), f"{amounts}：全年预算数为 0，执行率不可计算，执行率得分计 0.00"
    rate = executed / budget
    rule_text = ex.description or ex.rule.describe(ex.weight, "%")
    try:
        outcome = _execution_outcome(ex, budget, executed)
    except NotComputable as e:
        return rate, ZERO.quantize(Decimal("0.01")), (f"执行率 = {amounts} = {show_value(rate, '%')}；规则：{rule_text}；"
                                                     f"不可计算：{e.message}，执行率得分计 0.00")
    score = quantize_score(outcome.score)
    if isinstance(ex.rule, ProportionalRule):
        used = show_value(min(max(rate, ZERO), ex.rule.cap), "%")
        head = (f"执行率 {show_value(rate, '%')} 超过上限，按 {used} 计；" if rate > ex.rule.cap else "")
        arithmetic = f"{head}执行率 {used} × {pts(ex.weight)} = {score}"
    else:
        arithmetic = f"{outcome.arithmetic}，得分 {score}"
    return rate, score, (f"执行率 = {amounts} = {show_value(rate, '%')}；规则：{rule_text}；{arithmetic}"
                         f"（{ROUNDING_NOTE}）")


def _execution_outcome(ex: ExecutionRule, budget: Decimal, executed: Decimal) -> Outcome:
    """The execution rule applied (budget > 0); raises NotComputable."""
    rate = executed / budget
    return ex.rule.apply(rate, ex.weight, "%", {"rate": rate, "executed": executed, "budget": budget})


def execution_score(rubric: Rubric, budget: Decimal, executed: Decimal) -> Decimal:
    """The execution score alone, as ``score_project`` gives it, without writing the explanation."""
    if budget <= 0:
        return quantize_score(ZERO)
    try:
        return quantize_score(_execution_outcome(rubric.execution, budget, executed).score)
    except NotComputable:
        return quantize_score(ZERO)


def _indicator(rubric: Rubric, f: IndicatorFacts) -> IndicatorScore:
    if f.comparison == QUALITATIVE:
        return _qualitative(rubric, f)
    rule = rubric.quantitative_rule(f.comparison, f.level2)
    if rule is None:
        return IndicatorScore(f.code, None, f.weight, f"比较方式“{f.comparison}”",
                              f"评分规则中没有比较方式“{f.comparison}”的计分规则，不可计算", True)
    label = f"{rule.label}（{f.comparison}{'，' + rule.level2_name if rule.level2_name else ''}）"
    if f.actual is None:
        return IndicatorScore(f.code, ZERO.quantize(Decimal("0.01")), f.weight, label, NO_ACTUAL, True)
    if f.target is None:
        return IndicatorScore(f.code, None, f.weight, label, "缺少年度指标值（目标值），不可计算", True)
    unit = f" {f.unit}" if f.unit and f.unit != "%" else ""
    actual, target = fmt_number(f.actual), fmt_number(f.target)
    inputs = (f"实际值 actual = {actual}{unit}{_as_typed(f.actual_text, actual)}，"
              f"目标值 target = {target}{unit}{_as_typed(f.target_text, target)}，分值 weight = {pts(f.weight)}")
    own = f"，二级指标“{rule.level2_name}”的规则" if rule.level2_name else ""
    head = f"规则：{rule.label}（{rule.description or rule.score.text}）{own}；公式：{rule.score.text}；输入：{inputs}"
    env = {"actual": f.actual, "target": f.target, "weight": f.weight}
    try:
        trace = rule.score.trace(env)
        exact = clamp_score(trace.value, f.weight)
        clamp = f"，超出 [0, {pts(f.weight)}]，按 {fmt_number(exact)} 计" if exact != trace.value else ""
        exact, over = _overachievement(rubric, f, env, exact)
    except NotComputable as e:
        return IndicatorScore(f.code, None, f.weight, label, f"{head}；不可计算：{e.message}", True)
    score = quantize_score(exact)
    explanation = f"{head}；计算：{trace.text()}{clamp}{over}；得分 {score}（{ROUNDING_NOTE}）"
    return IndicatorScore(f.code, score, f.weight, label, explanation, score < f.weight,
                          (OVERACHIEVED,) if over else ())


def _overachievement(rubric: Rubric, f: IndicatorFacts, env: dict, exact: Decimal) -> tuple[Decimal, str]:
    """(score after any deduction, the words added to the explanation; "" when not flagged)."""
    rule = rubric.overachievement
    if rule is None or not rule.applies(f.comparison, f.actual, f.target):
        return exact, ""
    words = (f"；实际值 {fmt_number(f.actual)} 达到目标值的 {fmt_number(f.actual / f.target * 100, 2)}%"
             f"（不低于 {fmt_number(rule.share * 100)}%），{OVERACHIEVED}，须说明偏差原因")
    if rule.deduction is None:
        return exact, words
    trace = rule.deduction.trace({**env, "score": exact})
    after = clamp_score(exact - trace.value, f.weight)
    return after, (f"{words}；扣分 {rule.deduction.text}：{trace.text()}；{fmt_number(exact)} − "
                   f"{fmt_number(trace.value)} = {fmt_number(exact - trace.value)}"
                   + (f"，按 {fmt_number(after)} 计" if after != exact - trace.value else ""))


def _as_typed(text: str, shown: str) -> str:
    """The value as it was typed (``<=26万``), when that says more than the number."""
    return f"（{text.strip()}）" if text and text.strip() != shown else ""


def check_assessment(rubric: Rubric, weight: Decimal, grade: str, score: Decimal, reason: str) -> QualitativeBand:
    """Refuse a qualitative assessment the rubric does not allow (use when recording it)."""
    q = rubric.qualitative
    band = q.band(grade) if q else None
    if band is None:
        grades = "、".join(b.grade for b in q.bands) if q else "无"
        raise Refusal("等级", f"“{grade}”不是评分规则中的等级（可选：{grades}）")
    if not isinstance(score, Decimal) or not score.is_finite():
        raise Refusal("得分", "必须是数值")
    if not band.allows(score, weight):
        low, high = band.low * weight, band.high * weight
        upto = "" if band.closed else f"，不含 {fmt_number(high)} 分"
        raise Refusal("得分", f"“{grade}”的得分应在 {fmt_number(low)} 至 {fmt_number(high)} 之间"
                            f"（分值 {pts(weight)} 的 {band.interval()}{upto}），不是 {fmt_number(score)}")
    if q.reason_below_full and score < weight and not (reason or "").strip():
        raise Refusal("原因", "低于满分须说明原因")
    return band


def _qualitative(rubric: Rubric, f: IndicatorFacts) -> IndicatorScore:
    label = "定性指标"
    if f.grade is None or f.assessed_score is None:
        return IndicatorScore(f.code, ZERO.quantize(Decimal("0.01")), f.weight, label, NOT_ASSESSED, True)
    try:
        band = check_assessment(rubric, f.weight, f.grade, f.assessed_score, f.reason)
    except Refusal as r:
        return IndicatorScore(f.code, None, f.weight, label, f"评定无效：{r}", True)
    score = quantize_score(f.assessed_score)
    reason = f"；理由：{f.reason.strip()}" if f.reason.strip() else ""
    explanation = (f"规则：定性指标按评定等级在区间内给分；评定“{f.grade}”，区间为分值 {pts(f.weight)} 的 "
                   f"{band.interval()}（{fmt_number(band.low * f.weight)}–"
                   f"{fmt_number(band.high * f.weight)} 分）；评分 {fmt_number(f.assessed_score)}{reason}；"
                   f"得分 {score}（{ROUNDING_NOTE}）")
    return IndicatorScore(f.code, score, f.weight, f"{label}（{f.grade}）", explanation, score < f.weight)


def _layout_warnings(rubric: Rubric, indicators: list[IndicatorFacts]) -> list[str]:
    """Where the project's declared indicators do not fit the rubric's levels and weights."""
    warnings = []
    sums: dict[str, Decimal] = {}
    for f in indicators:
        level = rubric.level(f.level1)
        if level is None:
            warnings.append(f"指标 {f.code} 的一级指标“{f.level1}”不在评分规则 {rubric.name} 中")
            continue
        if f.level2 not in level.level2_names():
            warnings.append(f"指标 {f.code} 的二级指标“{f.level2}”不在“{f.level1}”之下")
        sums[f.level1] = sums.get(f.level1, ZERO) + f.weight
    for level in rubric.levels:
        got = sums.get(level.name, ZERO)
        if indicators and got != level.weight:
            warnings.append(f"一级指标“{level.name}”的指标分值合计 {fmt_number(got)}，评分规则为 {pts(level.weight)}")
    return warnings
