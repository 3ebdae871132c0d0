"""绩效运行监控 forecasts: year-end 执行数 and indicator values, each with the rule it applied.

Pure rules over figures already read (the projections supply executed, budget, 序时进度 and the
recorded judgements). Amounts are rounded to the cent half up (the forms' rule); an indicator's
paced value keeps 2 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bpt.domain.money import CENT, fmt_yuan
from bpt.domain.rubric.formula import fmt_number
from bpt.domain.values import HIGHER

RECORDED = "recorded"
PACE = "pace"
LATEST = "latest"
NONE = "none"
# Second-level indicators whose value accumulates over the year (paced like money).
CUMULATIVE_LEVEL2 = ("数量指标",)


@dataclass(frozen=True)
class Forecast:
    value: Decimal | None
    rule: str  # RECORDED | PACE | LATEST | NONE
    explanation: str  # the rule and its numbers, in Chinese


def forecast_executed(executed: Decimal, budget: Decimal, progress: Decimal,
                      recorded: Decimal | None = None) -> Forecast:
    """全年预计执行数: the department's recorded figure when there is one, else the current pace
    (executed ÷ 序时进度), capped at 全年预算数 and never below what is executed."""
    if recorded is not None:
        return Forecast(recorded, RECORDED, f"单位填报的全年预计执行数 {fmt_yuan(recorded)} 元")
    if progress <= 0:
        return Forecast(executed, PACE, f"序时进度为 0：按已执行数 {fmt_yuan(executed)} 元")
    paced = (executed / progress).quantize(CENT, rounding=ROUND_HALF_UP)
    value = max(min(paced, budget), executed)
    capped = "，以全年预算数为限" if value < paced else ""
    return Forecast(value, PACE, f"按当前进度：已执行 {fmt_yuan(executed)} 元 ÷ 序时进度 "
                                 f"{fmt_number(progress * 100, 2)}% = {fmt_yuan(paced)} 元{capped}")


def is_cumulative(comparison: str, level2: str, unit: str) -> bool:
    """A quantity that grows over the year (a count of 次, 人, 个 …): ≥ target, 数量指标, not a rate."""
    return comparison == HIGHER and level2 in CUMULATIVE_LEVEL2 and unit != "%"


def forecast_indicator(actual: Decimal | None, comparison: str, level2: str, unit: str, progress: Decimal,
                       recorded: Decimal | None = None) -> Forecast:
    """全年预计完成值: the recorded value, else pace for cumulative quantities, else the latest value."""
    if recorded is not None:
        return Forecast(recorded, RECORDED, f"单位填报的全年预计完成值 {fmt_number(recorded)}")
    if actual is None:
        return Forecast(None, NONE, "尚无实际完成值，无法预计")
    if is_cumulative(comparison, level2, unit) and progress > 0:
        paced = (actual / progress).quantize(CENT, rounding=ROUND_HALF_UP)
        return Forecast(paced, PACE, f"累计数量按当前进度：{fmt_number(actual)} ÷ 序时进度 "
                                     f"{fmt_number(progress * 100, 2)}% = {fmt_number(paced)}")
    return Forecast(actual, LATEST, f"按最近实际完成值 {fmt_number(actual)}")
