"""Years that follow each other: what ``bpt year open`` carries from one fiscal year into the next.

The plan is computed by the projections (balances read from a closing snapshot's position or
from the live events) and recorded by ``BudgetApp.open_year`` in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bpt.domain.money import ZERO
from bpt.domain.values import BASIC_SPENDING

# The default carry rule (DOMAIN.md, Years): project balances carry, 基本支出 balances are 收回.
RULE_DEFAULT = "项目支出余额结转；基本支出余额收回"
RULE_CARRY_BASIC = "项目支出、基本支出余额均结转"


def carry_rule(carry_basic: bool) -> str:
    """The rule's words for one department (``--carry-basic D`` makes its 基本支出 carry too)."""
    return RULE_CARRY_BASIC if carry_basic else RULE_DEFAULT


def carries(kind: str, carry_basic: bool) -> bool:
    """Whether a line of this kind carries its unspent balance into the next year."""
    return kind != BASIC_SPENDING or carry_basic


@dataclass(frozen=True)
class ProjectCarry:
    code: str
    name: str
    kind: str
    balances: dict[str, Decimal]  # the previous year's unspent balance by funding source (nonzero ones)
    carries: bool  # False: the balance is 收回 (shown, not recorded)
    exists: bool  # already registered in the next year
    carried: Decimal | None  # already carried forward from the previous year (None: never)
    carried_doc: str  # the 文号 it was first carried with ("" when never)

    @property
    def balance(self) -> Decimal:
        return sum(self.balances.values(), ZERO)

    @property
    def to_carry(self) -> Decimal:
        """What carrying now adds: the whole balance the first time, else the difference."""
        return (self.balance - (self.carried or ZERO)) if self.carries else ZERO


@dataclass(frozen=True)
class DepartmentCarry:
    code: str
    name: str
    staff_quota: int | None
    staff_actual: int | None
    rule: str
    carry_basic: bool
    snapshot: str  # the closing snapshot read from ("" with from_live)
    position: int  # the event-store position the balances were read at
    from_live: bool
    exists: bool  # already registered in the next year
    late_corrections: int  # events stored in the previous year after the snapshot read from
    projects: list[ProjectCarry] = field(default_factory=list)


@dataclass(frozen=True)
class YearPlan:
    year: int  # the year opened
    from_year: int
    doc: str
    departments: list[DepartmentCarry]
