"""Closed vocabularies of the forms, and the indicator target as a value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bpt.domain.money import parse_quantity
from bpt.domain.refusal import Refusal
from bpt.domain.text import NAME_LIMIT, clean, typed

# 资金来源
CURRENT = "当年财政拨款"
CARRIED = "上年结转资金"
OTHER = "其他资金"
FUNDING_SOURCES = (CURRENT, CARRIED, OTHER)

# 项目类别
PROJECT_SPENDING = "项目支出"
BASIC_SPENDING = "基本支出"
PROJECT_KINDS = (PROJECT_SPENDING, BASIC_SPENDING)

# 定性指标等级 and the share of the weight each band allows (DOMAIN.md defaults)
GRADES = ("达成", "部分达成", "未达成")

# 绩效运行监控表: 完成目标可能性 and 偏差原因 (原因分析) as the official form lists them
CERTAIN = "确定能"
LIKELIHOODS = (CERTAIN, "有可能", "完全不可能")
CAUSES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")

# 比较方式
HIGHER = ">="
LOWER = "<="
EQUAL = "="
QUALITATIVE = "text"


def check_choice(value: str, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise Refusal(field, f"“{value}”不是可选值（可选：{'、'.join(choices)}）")
    return value


_TARGET_RE = re.compile(r"^\s*(?P<op>>=|<=|≥|≤|=|＝)\s*(?P<rest>.+)$")
_OPS = {">=": HIGHER, "≥": HIGHER, "<=": LOWER, "≤": LOWER, "=": EQUAL, "＝": EQUAL}


@dataclass(frozen=True)
class Target:
    """An indicator's 年度指标值: a comparison and a number, or free text (qualitative)."""

    comparison: str
    value: Decimal | None
    text: str

    @property
    def is_quantitative(self) -> bool:
        return self.comparison != QUALITATIVE

    @classmethod
    def parse(cls, text: str, field: str = "年度指标值") -> Target:
        raw = clean(str(text), field, NAME_LIMIT)
        if not raw:
            raise Refusal(field, "不能为空")
        m = _TARGET_RE.match(typed(raw))
        if not m:
            return cls(QUALITATIVE, None, raw)
        value = parse_quantity(m["rest"], field)
        if value < 0:
            raise Refusal(field, f"指标值不能为负数“{text}”")
        return cls(_OPS[m["op"]], value, raw)

    def as_dict(self) -> dict:
        return {"comparison": self.comparison, "value": self.value, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict) -> Target:
        return cls(d["comparison"], d["value"], d["text"])
