"""Reading a 年度指标值 as the 申报表 words it (“全年不少 1 次”, “满意度 95%以上”, “26.00”) into a Target.

The forms write targets in prose. A target becomes quantitative only when the prose is
unambiguous: one number, a unit right after it, and either a comparison word (不少于, 至少,
以上, 以内 …) or nothing but a short label around it (“100%执行”, “参训率 100%”). Anything
else (“各市直机关党组织全覆盖,不落 1 个”) stays qualitative text, assessed by a person.
The original words are kept as the target's text, so reports show what was declared.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

from bpt.domain.money import CENT, WAN
from bpt.domain.refusal import Refusal
from bpt.domain.values import EQUAL, HIGHER, LOWER, QUALITATIVE, Target

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_EXPLICIT = re.compile(r"^\s*(>=|<=|≥|≤|=|＝)")
# The unit written right after the number; money units are converted to 元.
_UNIT = re.compile(r"^\s*(%|％|万元|万|元|人次|次|人|个|场|项|天|日|户|家|名|期|篇|件|所|批|堂|部|条|分)")
_HIGHER_WORDS = ("不少于", "不低于", "至少", "不少", "以上", "超过", "达到", "大于")
_LOWER_WORDS = ("不超过", "不高于", "以内", "以下", "控制在", "低于", "小于")
_EQUAL_WORDS = ("约",)
_PUNCTUATION = re.compile(r"[，,、；;。：:（）()]")
# Words around the number longer than this are a sentence, not a label.
_LABEL_MAX = 16
_TAIL_MAX = 6
COST_LEVEL2 = "成本指标"


def interpret_target(text: str, *, level2: str = "", money_unit: Decimal = WAN,
                     field: str = "指标值") -> tuple[Target, str]:
    """(Target, unit) for a 年度指标值 as written on a 申报表.

    ``money_unit``: what a bare number means on a 成本指标 row (the sheet's 金额单位,
    万元 on the forms). Percentages become fractions (95% → 0.95, unit "%"), money becomes
    元 (unit "元"), like ``parse_quantity`` reads actual values.
    """
    raw = " ".join(str(text).split())
    if not raw:
        raise Refusal(field, "不能为空")
    explicit = _EXPLICIT.match(raw)
    if explicit:
        target = Target.parse(raw, field)
        rest = raw[explicit.end():]
        number = _NUMBER.search(rest)
        unit = _unit_of(rest[number.end():]) if number else ""
        return target, _stored_unit(unit)
    numbers = list(_NUMBER.finditer(raw))
    if len(numbers) != 1:
        return Target(QUALITATIVE, None, raw), ""
    number = numbers[0]
    before, after = raw[:number.start()].strip(), raw[number.end():]
    unit_match = _UNIT.match(after)
    unit = unit_match.group(1) if unit_match else ""
    tail = (after[unit_match.end():] if unit_match else after).strip()
    if (tail.startswith(("年", "月"))  # a date (“2021 年底前完成”), not a quantity
            or _PUNCTUATION.search(before + tail) or len(before) > _LABEL_MAX or len(tail) > _TAIL_MAX):
        return Target(QUALITATIVE, None, raw), ""
    is_cost = level2.strip() == COST_LEVEL2
    comparison = _comparison(f"{before} {tail}") or (LOWER if is_cost else EQUAL)
    value = Decimal(number.group())
    shown = raw
    if unit in ("%", "％"):
        value /= 100
    elif unit in ("万", "万元"):
        value *= WAN
    elif unit == "" and is_cost:
        # A bare amount on a cost row is in the sheet's 金额单位; say so in the kept text.
        value *= money_unit
        unit = "万元" if money_unit == WAN else "元"
        shown = f"{raw}{unit}"
    return Target(comparison, value, shown), _stored_unit(unit)


def _comparison(words: str) -> str | None:
    """The comparison the longest comparison word says: “不低于” is ≥ although it contains “低于”."""
    found = [(len(w), comparison) for choices, comparison in ((_LOWER_WORDS, LOWER), (_HIGHER_WORDS, HIGHER),
                                                              (_EQUAL_WORDS, EQUAL))
             for w in choices if w in words]
    return max(found)[1] if found else None


def _unit_of(after_number: str) -> str:
    m = _UNIT.match(after_number)
    return m.group(1) if m else ""


def _stored_unit(unit: str) -> str:
    """The unit of the stored value: money is held in 元, percentages as "%"."""
    if unit in ("万", "万元", "元"):
        return "元"
    return "%" if unit in ("%", "％") else unit


def spread_weight(total: Decimal, count: int) -> list[Decimal]:
    """``total`` split over ``count`` indicators in cents, exactly: 50 over 6 → 8.34, 8.34, 8.33 …"""
    if count <= 0:
        return []
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    extra = int((total - share * count) / CENT)
    return [share + CENT if i < extra else share for i in range(count)]
