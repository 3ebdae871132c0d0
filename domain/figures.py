"""Budget figures folded from a project's events, on the effective-date axis.

This is the reference computation: the SQL views must always equal it, and
``explain`` shows its running values event by event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from bpt.domain.money import ZERO
from bpt.domain.project import (BUDGET_SIGNS, CARRIED_OVER, DECREASES, EXECUTED, INCREASES, INITIAL, TRANSFERS_IN,
                            TRANSFERS_OUT, ProjectYear)

# Which budget line each event type moves, and in which direction.
EVENT_LINES: dict[type, tuple[str, int]] = {
    ProjectYear.Approved: (INITIAL, 1),
    ProjectYear.CarriedOver: (CARRIED_OVER, 1),
    ProjectYear.CarriedForward: (CARRIED_OVER, 1),
    ProjectYear.Increased: (INCREASES, 1),
    ProjectYear.Decreased: (DECREASES, 1),
    ProjectYear.TransferredIn: (TRANSFERS_IN, 1),
    ProjectYear.TransferredOut: (TRANSFERS_OUT, 1),
    ProjectYear.Paid: (EXECUTED, 1),
    ProjectYear.PaymentReversed: (EXECUTED, -1),
}

# Default warning thresholds on 执行率 / 序时进度 (DOMAIN.md): below red → red, below yellow → yellow.
RED_BELOW = Decimal("0.60")
YELLOW_BELOW = Decimal("0.80")


def movement(event: object) -> tuple[str, Decimal] | None:
    """(line, signed amount) of a budget event, None for any other event."""
    hit = EVENT_LINES.get(type(event))
    if hit is None:
        return None
    line, sign = hit
    return line, sign * event.amount  # type: ignore[attr-defined]


def fold(events: Iterable[object], as_of: date | None = None) -> dict[str, Decimal]:
    """Totals of every line from the events effective on or before ``as_of``."""
    totals = {line: ZERO for line in (*BUDGET_SIGNS, EXECUTED)}
    for event in events:
        m = movement(event)
        if m and (as_of is None or event.effective_date <= as_of):  # type: ignore[attr-defined]
            totals[m[0]] += m[1]
    totals["adjusted_budget"] = sum((sign * totals[line] for line, sign in BUDGET_SIGNS.items()), ZERO)
    return totals


def execution_rate(executed: Decimal, budget: Decimal) -> Decimal | None:
    """执行率 = 全年执行数 / 全年预算数; None when there is no budget."""
    return executed / budget if budget > 0 else None


def warning_level(rate: Decimal | None, progress: Decimal, red_below: Decimal = RED_BELOW,
                  yellow_below: Decimal = YELLOW_BELOW) -> str:
    """运行监控: ratio = 执行率 / 序时进度; < 60% red, 60–80% yellow, ≥ 80% green."""
    if progress <= 0:
        return "green"
    # Compared as rate < threshold × progress: no division, so no rounding at the boundary.
    rate = rate or Decimal(0)
    if rate < red_below * progress:
        return "red"
    if rate < yellow_below * progress:
        return "yellow"
    return "green"


