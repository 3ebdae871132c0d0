"""Every text normalised on its way in (issue 24): refused with the field named, or stored in its
normal form; two inputs that normalise alike are one key."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpt.domain.calendar import parse_date
from bpt.domain.department import DepartmentYear
from bpt.domain.ledger import project_id
from bpt.domain.money import parse_amount, parse_number, parse_quantity
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.text import FIELDS, REFERENCE_LIMIT, normal
from bpt.domain.values import Target

Y, OP = 2021, "测试员"
SPELLINGS = ["记-0101", " 记-0101", "记-0101 ", "\t记-0101", "记－０１０１", "记-０101", "　记-0101　"]


def _project() -> ProjectYear:
    p = ProjectYear.register(project_id(Y, "P01"), year=Y, dept="D01", code="P01", name="项目", kind="项目支出",
                             operator=OP, effective_date=date(Y, 1, 1))
    p.approve(Decimal("1000000"), "当年财政拨款", "批复", date(Y, 1, 2), OP)
    return p


@given(st.text(max_size=40), st.sampled_from(sorted(FIELDS)))
def test_a_text_is_refused_naming_its_field_or_is_returned_normal(text, key):
    field = FIELDS[key]
    try:
        out = normal(key, text)
    except Refusal as refusal:
        assert refusal.field == field.label
        return
    form = "NFKC" if field.identifier else "NFC"
    assert unicodedata.is_normalized(form, out) and out == out.strip() and len(out) <= field.limit
    assert all(c.isprintable() or (field.multiline and c in "\n\t") for c in out)
    assert normal(key, out) == out  # idempotent: what is stored reads back unchanged


@pytest.mark.parametrize("bad", ["记\u200b0101", "记\u202e0101", "\ufeff记", "记\n0101", "记\r0101", "记\x1b[2J"])
def test_invisible_and_control_characters_are_refused_in_vouchers(bad):
    with pytest.raises(Refusal) as refused:
        normal("voucher", bad)
    assert refused.value.field == "凭证号" and "U+" in refused.value.message


def test_lengths_are_bounded_per_field():
    with pytest.raises(Refusal, match="超过上限 64"):
        normal("doc", "文" * (REFERENCE_LIMIT + 1))
    assert normal("reason", "因" * 4000) == "因" * 4000
    with pytest.raises(Refusal, match="原因"):
        normal("reason", "因" * 4001)


def test_prose_keeps_chinese_full_width_punctuation():
    assert normal("reason", " 调整（追加），见附件： ") == "调整（追加），见附件："


def test_seven_spellings_of_one_voucher_are_one_payment():
    p = _project()
    p.pay(Decimal("10000"), "当年财政拨款", SPELLINGS[0], date(Y, 3, 1), OP)
    for spelling in SPELLINGS[1:]:
        with pytest.raises(Refusal, match="已在项目 P01"):
            p.pay(Decimal("10000"), "当年财政拨款", spelling, date(Y, 3, 1), OP)
    assert list(p.payments) == ["记-0101"]
    p.reverse("记－０１０１ ", date(Y, 3, 2), "冲销", OP)
    assert p.payments["记-0101"]["reversed"]


def test_one_document_typed_two_ways_is_a_duplicate():
    p = _project()
    p.approve(Decimal("500"), "当年财政拨款", "衡财预〔2021〕35号", date(Y, 1, 3), OP)
    with pytest.raises(Refusal, match="疑似重复"):
        p.approve(Decimal("500"), "当年财政拨款", " 衡财预〔２０２１〕３５号", date(Y, 1, 3), OP)


def test_codes_compare_normalised():
    assert project_id(Y, "P01 ") == project_id(Y, "Ｐ01") == project_id(Y, "P01")
    d = DepartmentYear.register(None, year=Y, code="D01", name="部门", staff_quota=None, staff_actual=None,
                                operator=OP, effective_date=date(Y, 1, 1))
    d.add_project("P01", "项目支出", OP, date(Y, 1, 1))
    with pytest.raises(Refusal, match="已在部门"):
        d.add_project(" Ｐ01\t", "项目支出", OP, date(Y, 1, 1))


@pytest.mark.parametrize("text", ["1e5", "10万万", "5abc", "৪", "12345678901234567", "5 5", "--5"])
def test_quantities_are_read_whole_or_refused(text):
    with pytest.raises(Refusal):
        parse_quantity(text, "实际完成值")


def test_quantities_accept_full_width_and_a_chinese_unit_word():
    assert parse_quantity("１００％", "x") == 1
    assert parse_quantity("5人次", "x") == 5
    with pytest.raises(Refusal):
        Target.parse(">=1e5")
    assert Target.parse("＞＝5").value == 5


@pytest.mark.parametrize("text", ["20210315", "2021-W10-1", "2021-3-15", "২০২১-03-15", "2021-03-15T00:00"])
def test_dates_are_strictly_iso(text):
    with pytest.raises(Refusal, match="YYYY-MM-DD"):
        parse_date(text)


def test_full_width_digits_are_digits_other_scripts_are_not():
    assert parse_date("２０２１-０３-１５") == date(2021, 3, 15)
    assert parse_amount("２６万", "金额") == Decimal("260000.00")
    assert parse_number("９.５", "得分") == Decimal("9.5")
    for text in ("৪", "٤"):
        with pytest.raises(Refusal):
            parse_amount(text, "金额")
