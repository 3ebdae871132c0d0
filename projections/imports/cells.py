"""Typed values from the text of one cell, refused with the column's name."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bpt.domain.calendar import parse_date
from bpt.domain.money import parse_amount
from bpt.domain.refusal import Refusal
from bpt.domain.text import typed
from bpt.domain.values import CARRIED, CURRENT, FUNDING_SOURCES, OTHER, check_choice

# 2021-01-15, 2021/1/15, 2021.1.15, 2021年1月15日, 20210115 (with or without a midnight time).
_DATE = re.compile(r"^([0-9]{4})(?:[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{2})([0-9]{2}))(?: +0{1,2}:00(?::00)?)?$")
_SOURCES = {"财政拨款": CURRENT, "当年财政拨款": CURRENT, "上年结转": CARRIED, "结转资金": CARRIED,
            "上年结转资金": CARRIED, "其他资金": OTHER, "其他": OTHER}


def required(text: str, column: str) -> str:
    if not text:
        raise Refusal(column, "不能为空")
    return text


def cell_date(text: str, column: str = "日期") -> date:
    m = _DATE.match(typed(required(text, column)))
    if not m:
        return parse_date(text, column)
    year, month, day = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
    try:
        return date(year, month, day)
    except ValueError:
        raise Refusal(column, f"不存在的日期“{text}”") from None


def cell_amount(text: str, column: str = "金额", unit: str = "", signed: bool = False) -> Decimal:
    """An amount in 元; a bare number in a column headed “金额（万元）” is in 万元."""
    text = required(text, column)
    if unit in ("万", "万元") and not text.endswith(("万", "万元", "元")):
        text += "万"
    return parse_amount(text, column, signed=signed)


def cell_source(text: str, column: str = "资金来源", default: str = CURRENT) -> str:
    """资金来源; empty means ``default``; 财政拨款 is 当年财政拨款."""
    if not text:
        return default
    return check_choice(_SOURCES.get(text.replace(" ", ""), text), FUNDING_SOURCES, column)
