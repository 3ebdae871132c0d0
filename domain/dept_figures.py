"""The department figures derived from classified money: one rule per figure, one function.

A figure is a ``Spec``: which measure (年初预算, 全年预算 or 执行) of which flows (基本支出 or
项目支出, a group of 经济分类 codes, 政府采购, a 资金性质, a 功能分类) it adds up. ``flows`` turns
a project's events into signed classified amounts; ``value`` sums one spec over them; ``figures``
gives every figure of a department-year. ``bpt dept figures``, ``bpt explain DEPT FIGURE``, the
基础数据表 and the department rubric all read these, so a figure is the same wherever it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bpt.domain.classification import UNCLASSIFIED, codes, econ_code, econ_label, fund_type, func_code, in_codes
from bpt.domain.figures import movement
from bpt.domain.money import ZERO
from bpt.domain.project import BUDGET_SIGNS, EXECUTED, INITIAL, ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.values import BASIC_SPENDING, PROJECT_SPENDING

# Measures: what a flow adds to a figure.
INITIAL_BUDGET = "initial_budget"  # 年初预算数 (年初预算批复)
BUDGET = "budget"  # 全年预算数 (every budget line, signed)
ACTUAL = "actual"  # 全年执行数 (支出 − 冲销)
MEASURES = {INITIAL_BUDGET: "年初预算数", BUDGET: "全年预算数", ACTUAL: "执行数"}


@dataclass(frozen=True)
class Flow:
    """One classified amount of a department: a budget movement or a payment, as the event says."""

    project: str
    kind: str  # 基本支出 | 项目支出
    line: str  # the budget line it moves (bpt.domain.project LINES)
    amount: Decimal  # signed as the line moves (a reversal is negative)
    econ: str
    func: str
    fund_type: str
    procurement: bool
    effective_date: date
    event: Any

    def measure(self, measure: str) -> Decimal | None:
        """What the flow adds to a figure of ``measure``; None when it does not count there."""
        if measure == ACTUAL:
            return self.amount if self.line == EXECUTED else None
        if measure == INITIAL_BUDGET:
            return self.amount if self.line == INITIAL else None
        sign = BUDGET_SIGNS.get(self.line)
        return None if sign is None else sign * self.amount


def flows(events: Iterable[Any]) -> list[Flow]:
    """The classified flows of one project's events (its creation event first)."""
    out: list[Flow] = []
    project = kind = ""
    for event in events:
        if isinstance(event, ProjectYear.Created):
            project, kind = event.code, event.kind
            continue
        m = movement(event)
        if m is None:
            continue
        fields = event.__dict__  # events stored before classification lack the fields: the defaults
        out.append(Flow(project, kind, m[0], m[1], fields.get("econ", ""), fields.get("func", ""),
                        fields.get("fund_type", type(event).fund_type), fields.get("procurement", False),
                        event.effective_date, event))
    return out


@dataclass(frozen=True)
class Spec:
    """One derived figure: a measure of the flows it selects."""

    key: str
    label: str
    measure: str
    kind: str | None = None  # 基本支出 / 项目支出; None: the whole department
    econ: tuple[str, ...] | None = None  # 经济分类 codes (a 类 holds its 款); None: any
    unclassified: bool = False  # only flows without 经济分类
    procurement: bool = False  # only 政府采购
    fund_type: str | None = None
    func: str | None = None  # a 功能分类 code (a 类 / 款 holds its 项)

    def selects(self, flow: Flow) -> bool:
        return ((self.kind is None or flow.kind == self.kind)
                and (self.econ is None or in_codes(flow.econ, self.econ))
                and (not self.unclassified or not flow.econ)
                and (not self.procurement or flow.procurement)
                and (self.fund_type is None or flow.fund_type == self.fund_type)
                and (self.func is None or flow.func.startswith(self.func) and bool(flow.func)))

    def contribution(self, flow: Flow) -> Decimal | None:
        """What ``flow`` adds to this figure (None: nothing)."""
        return flow.measure(self.measure) if self.selects(flow) else None

    @property
    def rule(self) -> str:
        parts = [{BASIC_SPENDING: "基本支出", PROJECT_SPENDING: "项目支出", None: "全部支出"}[self.kind]]
        if self.econ is not None:
            parts.append("经济分类 " + " + ".join(econ_label(c) for c in self.econ))
        if self.unclassified:
            parts.append(f"经济分类{UNCLASSIFIED}")
        if self.procurement:
            parts.append("政府采购")
        if self.fund_type:
            parts.append(f"资金性质 {self.fund_type}")
        if self.func:
            parts.append(f"功能分类 {self.func}")
        return f"{self.label} = Σ {MEASURES[self.measure]}（{'，'.join(parts)}）"


def _pair(key: str, label: str, **select: Any) -> list[Spec]:
    """A figure's 预算数 (全年) and 实际支出数 twins: ``key_budget`` and ``key_actual``."""
    return [Spec(f"{key}_budget", f"{label}预算数", BUDGET, **select),
            Spec(f"{key}_actual", f"{label}实际支出数", ACTUAL, **select)]


def _static() -> dict[str, Spec]:
    g = codes().groups
    sangong = tuple(c for part in ("sangong_reception", "sangong_overseas", "sangong_vehicle_purchase",
                                   "sangong_vehicle_running") for c in g[part])
    specs = [
        Spec("basic_initial_budget", "基本支出年初预算数", INITIAL_BUDGET, BASIC_SPENDING),
        Spec("basic_budget", "基本支出全年预算数", BUDGET, BASIC_SPENDING),
        Spec("basic_executed", "基本支出执行数", ACTUAL, BASIC_SPENDING),
        Spec("basic_unclassified", f"基本支出{UNCLASSIFIED}执行数", ACTUAL, BASIC_SPENDING, unclassified=True),
        Spec("project_initial_budget", "项目支出年初预算数", INITIAL_BUDGET, PROJECT_SPENDING),
        Spec("project_budget", "项目支出全年预算数", BUDGET, PROJECT_SPENDING),
        Spec("project_executed", "项目支出执行数", ACTUAL, PROJECT_SPENDING),
        Spec("unclassified", f"{UNCLASSIFIED}执行数", ACTUAL, unclassified=True),
        *_pair("personnel", "人员经费", kind=BASIC_SPENDING, econ=g["personnel"]),
        *_pair("public", "公用经费", kind=BASIC_SPENDING, econ=g["public"]),
        *_pair("public_office", "办公经费", kind=BASIC_SPENDING, econ=g["public_office"]),
        *_pair("public_utilities_travel", "水费、电费、差旅费", kind=BASIC_SPENDING, econ=g["public_utilities_travel"]),
        *_pair("public_meetings_training", "会议费、培训费", kind=BASIC_SPENDING, econ=g["public_meetings_training"]),
        *_pair("sangong", "“三公经费”", econ=sangong),
        *_pair("sangong_reception", "公务接待费", econ=g["sangong_reception"]),
        *_pair("sangong_overseas", "因公出国（境）费用", econ=g["sangong_overseas"]),
        *_pair("sangong_vehicle_purchase", "公务用车购置费", econ=g["sangong_vehicle_purchase"]),
        *_pair("sangong_vehicle_running", "公务用车运行维护费", econ=g["sangong_vehicle_running"]),
        *_pair("procurement", "政府采购", procurement=True),
    ]
    return {s.key: s for s in specs}


# Figures with a code in their name: ``basic_by_econ.302``, ``fund_actual.政府性基金预算`` …
DYNAMIC = {
    "basic_by_econ": lambda c: Spec(f"basic_by_econ.{c}", f"基本支出 {econ_label(c)}", ACTUAL, BASIC_SPENDING,
                                    econ=(econ_code(c, "FIGURE"),)),
    "basic_budget_by_econ": lambda c: Spec(f"basic_budget_by_econ.{c}", f"基本支出 {econ_label(c)} 年初预算数",
                                           INITIAL_BUDGET, BASIC_SPENDING, econ=(econ_code(c, "FIGURE"),)),
    "fund_budget": lambda f: Spec(f"fund_budget.{f}", f"{f}全年预算数", BUDGET, fund_type=fund_type(f, "FIGURE")),
    "fund_initial_budget": lambda f: Spec(f"fund_initial_budget.{f}", f"{f}年初预算数", INITIAL_BUDGET,
                                          fund_type=fund_type(f, "FIGURE")),
    "fund_actual": lambda f: Spec(f"fund_actual.{f}", f"{f}执行数", ACTUAL, fund_type=fund_type(f, "FIGURE")),
    "func_actual": lambda c: Spec(f"func_actual.{c}", f"功能分类 {c} 执行数", ACTUAL, func=func_code(c, "FIGURE")),
}


def static_specs() -> dict[str, Spec]:
    return _STATIC


_STATIC = _static()


def spec(key: str) -> Spec:
    """The figure named ``key`` (static, or ``family.code``); refused when there is none."""
    if key in _STATIC:
        return _STATIC[key]
    family, _, code = key.partition(".")
    if family in DYNAMIC and code:
        return DYNAMIC[family](code)
    raise Refusal("FIGURE", f"“{key}”不是部门的派生数字（可选：{'、'.join(_STATIC)}，"
                            f"或 {'、'.join(f'{f}.编码' for f in DYNAMIC)}）")


def value(s: Spec, all_flows: Iterable[Flow]) -> Decimal:
    """The figure: the sum of what each flow adds to it."""
    total = ZERO
    for flow in all_flows:
        c = s.contribution(flow)
        if c is not None:
            total += c
    return total


def effective(all_flows: Iterable[Flow], as_of: date | None) -> list[Flow]:
    """The flows effective on or before ``as_of`` (all of them without one)."""
    return [f for f in all_flows if as_of is None or f.effective_date <= as_of]


def dynamic_keys(all_flows: list[Flow]) -> list[str]:
    """The ``family.code`` figures the flows have: each 类 and 款 met, each 资金性质, each 功能分类."""
    econ = sorted({c for f in all_flows if f.kind == BASIC_SPENDING and f.econ for c in {f.econ[:3], f.econ}})
    funds = [t for t in codes().fund_types if any(f.fund_type == t for f in all_flows)]
    funcs = sorted({f.func for f in all_flows if f.func})
    return ([f"basic_by_econ.{c}" for c in econ] + [f"basic_budget_by_econ.{c}" for c in econ]
            + [f"fund_{m}.{t}" for t in funds for m in ("initial_budget", "budget", "actual")]
            + [f"func_actual.{c}" for c in funcs])


def figures(all_flows: list[Flow]) -> dict[str, Decimal]:
    """Every static figure, and the dynamic figures the flows have, by name."""
    out = {key: value(s, all_flows) for key, s in _STATIC.items()}
    out.update((key, value(spec(key), all_flows)) for key in dynamic_keys(all_flows))
    return out


def classified(all_flows: Iterable[Flow]) -> bool:
    """Whether the department keeps a classified ledger (any flow with an 经济分类)."""
    return any(f.econ for f in all_flows)


# Where a figure shown comes from.
COMPUTED = "计算"
DECLARED = "填报"


def merge(derived: dict[str, Decimal], declared: dict[str, Decimal],
          is_classified: bool) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The figures a department shows, with their origin (计算 / 填报).

    A department that keeps a classified ledger shows the derived figures, whatever was typed
    for them; one that keeps none shows the typed (declared) figure where there is one."""
    out = dict(derived)
    origin = dict.fromkeys(derived, COMPUTED)
    for key, v in declared.items():
        if key not in derived or not is_classified:
            out[key], origin[key] = v, DECLARED
    return out, origin
