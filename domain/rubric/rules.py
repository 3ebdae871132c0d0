"""Scoring rules: how an indicator's value becomes points. Each rule says in words what it
does (``describe``) and shows its arithmetic (``apply``), so every score explains itself.

Scores are exact here; ``quantize_score`` rounds once, at the end, ROUND_HALF_UP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Union

from bpt.domain.rubric.formula import Formula, fmt_number

CENT = Decimal("0.01")
ZERO = Decimal(0)
ROUNDING_NOTE = "得分按四舍五入（ROUND_HALF_UP）保留两位小数"

ABOVE, BELOW = "above", "below"
EXACT, STARTED, COMPLETED = "exact", "started", "completed"
COUNT_MODES = {EXACT: "不足一档按比例扣", STARTED: "不足一档按一档扣", COMPLETED: "不足一档不扣"}


def quantize_score(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def clamp_score(value: Decimal, weight: Decimal) -> Decimal:
    return max(ZERO, min(value, weight))


def show_value(value: Decimal, unit: str) -> str:
    """A measured value: ``41.63%`` for a rate, ``3 例`` for a count, plain otherwise."""
    if unit == "%":
        return f"{(value * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"
    return f"{fmt_number(value)}{(' ' + unit) if unit else ''}"


def show_param(value: Decimal, unit: str) -> str:
    """A rule parameter: ``100%``, ``5%``, ``0`` (trailing zeros dropped)."""
    if unit == "%":
        return f"{fmt_number(value * 100)}%"
    return f"{fmt_number(value)}{(' ' + unit) if unit else ''}"


def show_amount(value: Decimal, unit: str) -> str:
    """A difference: ``3.5 个百分点`` for rates."""
    if unit == "%":
        return f"{fmt_number(value * 100)} 个百分点"
    return f"{fmt_number(value)}{(' ' + unit) if unit else ''}"


def pts(value: Decimal) -> str:
    return fmt_number(value)


@dataclass(frozen=True)
class Outcome:
    score: Decimal  # exact, within [0, weight]
    arithmetic: str


@dataclass(frozen=True)
class ThresholdRule:
    """Full marks up to a threshold; beyond it, ``deduction`` points per ``step``, down to 0.

    ``direction`` "above": exceeding the threshold costs points (控制率 ≤ 100%);
    "below": falling short costs points (完成率 100% 计满分，每低于 5% 扣 2 分).
    ``count``: "exact" deducts for the exact share of a step, "started" counts a started step
    as whole, "completed" counts only whole steps.
    """

    threshold: Decimal
    direction: str
    step: Decimal
    deduction: Decimal
    count: str = EXACT
    kind: str = field(default="threshold", init=False)

    figure_names = frozenset()

    def describe(self, weight: Decimal, unit: str) -> str:
        t, s = show_param(self.threshold, unit), show_amount(self.step, unit)
        if self.direction == ABOVE:
            text = f"不超过 {t} 得满分 {pts(weight)}；每超过 {s}扣 {pts(self.deduction)} 分，扣完为止"
        else:
            text = f"不低于 {t} 得满分 {pts(weight)}；每低于 {s}扣 {pts(self.deduction)} 分，扣完为止"
        return f"{text}（{COUNT_MODES[self.count]}）"

    def apply(self, value: Decimal, weight: Decimal, unit: str, env: Mapping[str, Decimal]) -> Outcome:
        above = self.direction == ABOVE
        excess = value - self.threshold if above else self.threshold - value
        t, v = show_param(self.threshold, unit), show_value(value, unit)
        if excess <= 0:
            return Outcome(weight, f"{v} {'≤' if above else '≥'} {t}，得满分 {pts(weight)}")
        steps = excess / self.step
        if self.count == STARTED:
            steps = steps.to_integral_value(rounding=ROUND_CEILING)
        elif self.count == COMPLETED:
            steps = steps.to_integral_value(rounding=ROUND_FLOOR)
        deducted = steps * self.deduction
        score = clamp_score(weight - deducted, weight)
        word = "超过" if above else "低于"
        gap = "超出" if above else "相差"
        text = (f"{v} {word} {t}，{gap} {show_amount(excess, unit)}，按每 {show_amount(self.step, unit)}一档计 "
                f"{fmt_number(steps)} 档，扣 {fmt_number(steps)} × {pts(self.deduction)} = {fmt_number(deducted)} 分；"
                f"{pts(weight)} − {fmt_number(deducted)} = {fmt_number(weight - deducted)}")
        if score != weight - deducted:
            text += "，扣完为止，得 0"
        return Outcome(score, text)


@dataclass(frozen=True)
class Band:
    """One band: its condition (None for the final "otherwise"), its points and a label."""

    when: Formula | None
    score: Decimal
    label: str


@dataclass(frozen=True)
class BandsRule:
    """The first band whose condition holds gives the points; the last band has no condition."""

    bands: tuple[Band, ...]
    kind: str = field(default="bands", init=False)

    @property
    def figure_names(self) -> frozenset[str]:
        return frozenset(n for b in self.bands if b.when for n in b.when.names)

    def describe(self, weight: Decimal, unit: str) -> str:
        return "；".join(f"{b.label} → {pts(b.score)} 分" for b in self.bands)

    def apply(self, value: Decimal, weight: Decimal, unit: str, env: Mapping[str, Decimal]) -> Outcome:
        env = {**env, "value": value, "weight": weight}
        failed: list[str] = []
        for band in self.bands:
            if band.when is None:
                head = "；".join(failed + ["以上均不成立"]) if failed else "无条件"
                return Outcome(clamp_score(band.score, weight), f"{head} → {band.label}：{pts(band.score)} 分")
            trace = band.when.trace(env)
            if trace.value != 0:
                cond = "；".join([*trace.conditions, f"{trace.arithmetic} 成立"])
                return Outcome(clamp_score(band.score, weight), f"{show_value(value, unit)}：{cond} → "
                               f"{band.label}：{pts(band.score)} 分")
            failed.append(f"{trace.arithmetic} 不成立")
        return Outcome(ZERO, "无匹配档位，得 0")  # pragma: no cover - the loader requires a final band


@dataclass(frozen=True)
class ProportionalRule:
    """分值 × min(value, cap), never below 0 (执行率得分, 目标任务完成率)."""

    cap: Decimal
    kind: str = field(default="proportional", init=False)

    figure_names = frozenset()

    def describe(self, weight: Decimal, unit: str) -> str:
        return f"得分 = 分值 {pts(weight)} × min(指标值, {show_param(self.cap, unit)})"

    def apply(self, value: Decimal, weight: Decimal, unit: str, env: Mapping[str, Decimal]) -> Outcome:
        used = max(ZERO, min(value, self.cap))
        shown = show_value(value, unit)
        if value > self.cap:
            head = f"{shown} 超过上限 {show_param(self.cap, unit)}，按 {show_param(self.cap, unit)} 计："
            shown = show_param(self.cap, unit)
        elif value < 0:
            head, shown = f"{shown} 小于 0，按 0 计：", show_value(ZERO, unit)
        else:
            head = ""
        score = used * weight
        return Outcome(score, f"{head}{shown} × {pts(weight)} = {fmt_number(score)}")


@dataclass(frozen=True)
class FormulaRule:
    """Any score formula over ``value``, ``weight`` and the figures; kept within [0, 分值]."""

    score: Formula
    description: str
    kind: str = field(default="formula", init=False)

    @property
    def figure_names(self) -> frozenset[str]:
        return self.score.names

    def describe(self, weight: Decimal, unit: str) -> str:
        return self.description or f"得分 = {self.score.text}"

    def apply(self, value: Decimal, weight: Decimal, unit: str, env: Mapping[str, Decimal]) -> Outcome:
        trace = self.score.trace({**env, "value": value, "weight": weight})
        score = clamp_score(trace.value, weight)
        text = f"{self.score.text}：{trace.text()}"
        if score != trace.value:
            text += f"，超出 [0, {pts(weight)}]，按 {pts(score)} 计"
        return Outcome(score, text)


@dataclass(frozen=True)
class Choice:
    score: Decimal
    label: str


@dataclass(frozen=True)
class ManualRule:
    """An assessor gives the score, with a reason; ``choices`` (if any) are the only scores allowed."""

    choices: tuple[Choice, ...] = ()
    kind: str = field(default="manual", init=False)

    figure_names = frozenset()

    def describe(self, weight: Decimal, unit: str) -> str:
        if not self.choices:
            return f"人工评分，0 至 {pts(weight)} 分，须说明理由"
        options = "；".join(f"{c.label} {pts(c.score)} 分" for c in self.choices)
        return f"人工评分（{options}），须说明理由"

    def check(self, score: Decimal, reason: str, weight: Decimal) -> str | None:
        """Why this manual score is not acceptable, or None when it is."""
        if isinstance(score, int) and not isinstance(score, bool):
            score = Decimal(score)
        if not isinstance(score, Decimal) or not score.is_finite():
            return "人工得分必须是数值（Decimal）"
        if not str(reason or "").strip():
            return "人工评分须说明理由"
        if score < 0 or score > weight:
            return f"人工得分 {fmt_number(score)} 超出 0 至 {pts(weight)} 分"
        if self.choices and all(score != c.score for c in self.choices):
            return f"人工得分 {fmt_number(score)} 不是可选分值（{'、'.join(pts(c.score) for c in self.choices)}）"
        return None


Rule = Union[ThresholdRule, BandsRule, ProportionalRule, FormulaRule, ManualRule]
RULE_KINDS = ("threshold", "bands", "proportional", "formula", "manual")
