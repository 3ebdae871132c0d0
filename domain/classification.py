"""Classified money: 经济分类, 功能分类, 预算类型 (资金性质) and 政府采购 of budget facts and payments.

The code tables are data (``codes/classification.toml``, its source stated there); this module
reads them, checks what a user types against them, and names the groups the department
figures add up (``bpt.domain.dept_figures``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from bpt.domain.refusal import Refusal

ECON_FIELD = "经济分类"
FUNC_FIELD = "功能分类"
FUND_FIELD = "资金性质"
UNCLASSIFIED = "未分类"


@dataclass(frozen=True)
class Codes:
    source: str
    econ: dict[str, str]  # 类 (3 digits) and 款 (5 digits) -> name
    func: dict[str, str]  # 类 / 款 / 项 (3 / 5 / 7 digits) -> name
    fund_types: tuple[str, ...]  # the first is the default
    income: dict[str, str]  # fund type -> its 按收入性质 row
    groups: dict[str, tuple[str, ...]]  # group -> 经济分类 codes (a 类 counts all its 款)


@lru_cache(maxsize=1)  # a shipped file: read once
def codes() -> Codes:
    text = (resources.files("bpt.domain") / "codes" / "classification.toml").read_bytes().decode("utf-8")
    data = tomllib.loads(text)
    return Codes(source=data["source"], econ=dict(data["econ"]), func=dict(data["func"]),
                 fund_types=tuple(t["name"] for t in data["fund_types"]),
                 income={t["name"]: t["income"] for t in data["fund_types"]},
                 groups={k: tuple(v) for k, v in data["groups"].items()})


# The default 预算类型, and what events recorded before classification carry (the table's first).
DEFAULT_FUND_TYPE = "一般公共预算"


def _code(text: str, table: dict[str, str], field: str, lengths: tuple[int, ...]) -> str:
    """A code of ``table`` from its code, its name, or "code name"; "" for an empty text."""
    raw = " ".join(str(text or "").split())
    if not raw:
        return ""
    head, _, rest = raw.partition(" ")
    if head.isdigit():
        if len(head) not in lengths:
            raise Refusal(field, f"“{raw}”不是 {'/'.join(map(str, lengths))} 位科目编码")
        if head not in table:
            raise Refusal(field, f"未知的科目编码 {head}（见 {codes().source}）")
        if rest and rest != table[head]:
            raise Refusal(field, f"科目 {head} 是“{table[head]}”，不是“{rest}”")
        return head
    named = [code for code, name in table.items() if name == raw]
    if not named:
        raise Refusal(field, f"未知的科目“{raw}”（请写编码或科目名称）")
    if len(named) > 1:
        raise Refusal(field, f"科目名称“{raw}”不唯一（{'、'.join(f'{c} {table[c]}' for c in named)}），请写编码")
    return named[0]


def econ_code(text: str, field: str = ECON_FIELD) -> str:
    """A 部门预算支出经济分类 code: 类 (3 digits) or 款 (5 digits), from its code or name."""
    return _code(text, codes().econ, field, (3, 5))


def econ_in_class(item: str, klass: str, field: str = ECON_FIELD) -> str:
    """The code of a row that names both its 类 and its 款: the 款 must lie under the 类."""
    klass, item = econ_code(klass, field), econ_code(item, field)
    if klass and item and not item.startswith(klass):
        raise Refusal(field, f"款 {item} {econ_name(item)}不属于类 {klass} {econ_name(klass)}")
    return item or klass


def func_code(text: str, field: str = FUNC_FIELD) -> str:
    """A 支出功能分类 code: 类 / 款 / 项 (3 / 5 / 7 digits)."""
    return _code(text, codes().func, field, (3, 5, 7))


def fund_type(text: str | None, field: str = FUND_FIELD) -> str:
    """A 预算类型 (资金性质); empty is the default, 一般公共预算."""
    raw = str(text or "").strip()
    if not raw:
        return DEFAULT_FUND_TYPE
    if raw not in codes().fund_types:
        raise Refusal(field, f"“{raw}”不是可选值（可选：{'、'.join(codes().fund_types)}）")
    return raw


def econ_name(code: str) -> str:
    return codes().econ.get(code, UNCLASSIFIED) if code else UNCLASSIFIED


def func_name(code: str) -> str:
    return codes().func.get(code, UNCLASSIFIED) if code else UNCLASSIFIED


def econ_label(code: str) -> str:
    """"302 商品和服务支出"; "未分类" for no code."""
    return f"{code} {econ_name(code)}" if code else UNCLASSIFIED


def in_codes(code: str, group: tuple[str, ...]) -> bool:
    """Whether an 经济分类 code lies in a group of codes (a 类 holds every 款 under it)."""
    return bool(code) and any(code.startswith(c) for c in group)


@dataclass(frozen=True)
class Classification:
    """What a budget fact or a payment says about its money besides amount and 资金来源."""

    econ: str = ""
    func: str = ""
    fund_type: str = DEFAULT_FUND_TYPE
    procurement: bool = False

    @classmethod
    def parse(cls, econ: str | None = "", func: str | None = "", fund: str | None = "",
              procurement: bool = False) -> Classification:
        return cls(econ_code(econ or ""), func_code(func or ""), fund_type(fund), bool(procurement))

    def fields(self) -> dict:
        """The event attributes."""
        return {"econ": self.econ, "func": self.func, "fund_type": self.fund_type, "procurement": self.procurement}

    @classmethod
    def of(cls, event_or_state: object) -> Classification:
        """The classification an event (or a payment's state) carries; defaults for those recorded before."""
        get = event_or_state.get if isinstance(event_or_state, dict) else (
            lambda k, d: getattr(event_or_state, k, d))
        return cls(get("econ", ""), get("func", ""), get("fund_type", DEFAULT_FUND_TYPE), get("procurement", False))
