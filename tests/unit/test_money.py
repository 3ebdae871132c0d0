from decimal import Decimal

import pytest

from bpt.domain.money import fmt_rate, fmt_wan, fmt_yuan, parse_amount, parse_quantity
from bpt.domain.refusal import Refusal


@pytest.mark.parametrize("text, expected", [
    ("26万", "260000.00"), ("26万元", "260000.00"), ("26.5万", "265000.00"), ("260000", "260000.00"),
    ("260000元", "260000.00"), ("260000.00", "260000.00"), ("0.01", "0.01"), ("15.4801万", "154801.00"),
    ("1,234.50", "1234.50"),
])
def test_amounts_are_parsed_to_exact_yuan(text, expected):
    assert parse_amount(text, "金额") == Decimal(expected)
    assert fmt_yuan(parse_amount(text, "金额")) == expected


@pytest.mark.parametrize("text", ["1e5", "abc", "", "12.345", "1.0000001万", "-5", "+5", "NaN", "inf", "5万万", "0"])
def test_bad_amounts_are_refused_naming_the_field(text):
    with pytest.raises(Refusal) as e:
        parse_amount(text, "金额")
    assert str(e.value).startswith("金额：")


def test_signed_amounts_for_adjustments():
    assert parse_amount("-4万", "金额", signed=True) == Decimal("-40000.00")
    assert parse_amount("+35万", "金额", signed=True) == Decimal("350000.00")


def test_quantities_understand_percent_and_wan():
    assert parse_quantity("100%", "v") == Decimal("1")
    assert parse_quantity("95.5%", "v") == Decimal("0.955")
    assert parse_quantity("26万", "v") == Decimal("260000")
    assert parse_quantity("5次", "v") == Decimal("5")


def test_display_rounding_is_half_up():
    assert fmt_rate(Decimal("154800") / Decimal("220000")) == "0.7036"
    assert fmt_rate(Decimal("0.32245")) == "0.3225"
    assert fmt_wan(Decimal("154850")) == "15.49"
