"""Money and quantities: exact Decimal in 元, parsed from what people type.

Rules (CLI.md): a bare number is 元; ``万``/``万元`` multiplies by 10,000; at most 2
decimals of 元 after conversion; no exponents, no floats. Display rounding is
ROUND_HALF_UP, the rule Chinese financial forms use.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bpt.domain.refusal import Refusal
from bpt.domain.text import typed

CENT = Decimal("0.01")
WAN = Decimal("10000")
ZERO = Decimal("0.00")
# Largest amount accepted: 一万亿元. Anything bigger is a typo, not a budget.
MAX_AMOUNT = Decimal("1000000000000.00")
# Bounds of any other number (weights, scores, indicator values, basic data).
MAX_NUMBER = Decimal("1E15")
MAX_DECIMALS = 6

# ASCII digits only (after NFKC, see text.typed): ``\d`` would read ``৪`` as 4.
_NUMBER = r"(?P<num>[0-9]{1,16}(?:\.[0-9]{1,8})?)"
_AMOUNT_RE = re.compile(rf"(?P<sign>[+\-]?){_NUMBER}(?P<unit>万元|万|元)?")
# A quantity is read whole: an optional unit word after it is Chinese (次, 人, 个, 人次 …), never
# another number, multiplier or letters (``10万万``, ``1e5``, ``5abc`` are refused).
_QUANTITY_RE = re.compile(rf"(?P<sign>[+\-]?){_NUMBER} ?(?P<unit>万元|万|元|%)?(?: ?[\u4e00-\u9fff]{{1,8}})?")
_NOT_A_UNIT_WORD = re.compile("[万亿元]")


def yuan(value: Decimal) -> Decimal:
    """Quantize an exact amount to cents; refuses to hide a rounding."""
    q = value.quantize(CENT)
    if q != value:
        raise ValueError(f"{value} has more than 2 decimals of 元")
    return q


def check_amount(value: Decimal, field: str = "金额") -> None:
    """An amount handed to a command (not typed: imports, workers, the TUI): a finite
    Decimal of at most 2 decimals within ±MAX_AMOUNT, as parse_amount would give."""
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise Refusal(field, f"金额“{value}”无效（应为不超过 {MAX_AMOUNT} 元的有限数）")
    if value != value.quantize(CENT):
        raise Refusal(field, f"金额“{value}”超过两位小数（分）")


def check_number(value: Decimal, field: str) -> None:
    """A weight, score or indicator value handed to a command: finite, at most 6 decimals
    and 15 integer digits (what parse_number and parse_quantity can give)."""
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= MAX_NUMBER:
        raise Refusal(field, f"“{value}”不是有效数值")
    if value.as_tuple().exponent < -MAX_DECIMALS:
        raise Refusal(field, f"“{value}”小数位过多（最多 {MAX_DECIMALS} 位）")


def parse_amount(text: str, field: str, *, signed: bool = False, allow_zero: bool = False) -> Decimal:
    """Parse ``26万``, ``26.5万元``, ``260000``, ``260000.00元`` to Decimal 元.

    ``signed``: a leading ``+``/``-`` is allowed (``adjust``); otherwise a sign is refused
    because the verb implies it. Raises Refusal naming ``field``.
    """
    raw = typed(text).replace(",", "")
    m = _AMOUNT_RE.fullmatch(raw)
    if not m:
        raise Refusal(field, f"无法识别的金额“{text}”（示例：26万、26.5万元、260000、260000.00）")
    if m["sign"] and not signed:
        raise Refusal(field, f"金额不能带正负号“{text}”，方向由命令决定")
    try:
        value = Decimal(m["num"])
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise Refusal(field, f"无法识别的金额“{text}”") from None
    if m["unit"] in ("万", "万元"):
        value *= WAN
    if value != value.quantize(CENT):
        raise Refusal(field, f"金额“{text}”超过两位小数（分）")
    value = value.quantize(CENT)
    if value > MAX_AMOUNT:
        raise Refusal(field, f"金额“{text}”超出上限 {MAX_AMOUNT} 元")
    if value == 0 and not allow_zero:
        raise Refusal(field, "金额必须大于零")
    return -value if m["sign"] == "-" else value


def parse_quantity(text: str, field: str) -> Decimal:
    """Parse an indicator value: ``5``, ``5次``, ``100%``, ``26万``, ``99.5 %``.

    ``%`` divides by 100, ``万``/``万元`` multiplies by 10,000; a trailing unit word
    (次, 人, 个, …) is ignored. Returns an exact Decimal.
    """
    raw = typed(text).replace(",", "")
    m = _QUANTITY_RE.fullmatch(raw)
    if not m or _NOT_A_UNIT_WORD.search(raw, m.end("unit") if m["unit"] else m.end("num")):
        raise Refusal(field, f"无法识别的数值“{text}”（示例：5、100%、26万；数字之后只能是单位）")
    value = Decimal(m["num"])
    unit = m["unit"]
    if unit == "%":
        value /= Decimal(100)
    elif unit in ("万", "万元"):
        value *= WAN
    return -value if m["sign"] == "-" else value


def parse_number(text: str, field: str) -> Decimal:
    """A plain decimal number (a weight, a score): ``10``, ``9.5``; no units, no exponents."""
    raw = typed(text)
    if not re.fullmatch(r"[+\-]?[0-9]{1,12}(?:\.[0-9]{1,6})?", raw):
        raise Refusal(field, f"不是数字“{text}”")
    return Decimal(raw)


def fmt_yuan(value: Decimal) -> str:
    """``"154800.00"``: the JSON form of an amount."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def fmt_wan(value: Decimal) -> str:
    """``"15.48"``: 万元 with 2 decimals, ROUND_HALF_UP, as the forms show."""
    return str((value / WAN).quantize(CENT, rounding=ROUND_HALF_UP))


def fmt_rate(value: Decimal) -> str:
    """``"0.7036"``: a ratio as a fraction with 4 decimals, ROUND_HALF_UP."""
    return str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def fmt_percent(value: Decimal) -> str:
    """``"70.36%"``: a ratio shown as a percentage with 2 decimals."""
    return f"{(value * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"


def fmt_score(value: Decimal) -> str:
    """``"9.14"``: a score with 2 decimals, ROUND_HALF_UP."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
