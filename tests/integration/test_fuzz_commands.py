"""Fuzzing every command's inputs through the application (issue 8).

Amounts (huge, tiny, negative, NaN, infinities, more than 2 decimals), dates (any), codes,
文号, vouchers and free text (unicode, control characters, SQL metacharacters, very long):
each command either records a valid event (the log grows by what the command writes, the
projections apply it, the chains verify) or is refused with a Refusal and records nothing.
Any other exception is a crash and fails the test. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpt.domain.department import BASIC_DATA
from bpt.domain.refusal import Refusal
from bpt.domain.values import FUNDING_SOURCES, GRADES, PROJECT_KINDS, Target
from bpt.projections.audit.integrity import check_chains
from bpt.projections.store.service import Bpt
from tests.integration.test_robust_concurrency import assert_views_equal_rebuild
from tests.conftest import initialised

Y, OP = 2021, "模糊测试"
NASTY = ["'; DROP TABLE bpt_events; --", "' OR '1'='1", "%s", "%(x)s", "?", "\\", "\"", "$$", "{}", "\x00", "\x1b[31m",
         "\u202e反转", "\r\n", "\t", "😀" * 20, "衡财预〔2021〕35号", "Ｐ０１", "ﾃｽﾄ", "a" * 5000, " ", ""]
texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                  st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Lo", "So", "P"]), max_size=20))
amounts = st.one_of(
    st.sampled_from([Decimal("0.001"), Decimal("-0"), Decimal("1E+30"), Decimal("1E-30"), Decimal("NaN"),
                     Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("999999999999.99"),
                     Decimal("1000000000000.01"), Decimal("0.01"), Decimal("12.3456789")]),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=Decimal("-1E13"), max_value=Decimal("1E13"), places=2))
in_year = st.dates(min_value=date(Y, 1, 1), max_value=date(Y, 12, 31))
dates = st.one_of(st.dates(), in_year, in_year)
sources = st.one_of(st.sampled_from(FUNDING_SOURCES), texts)
projects = st.sampled_from(["P01", "P02"]) | st.sampled_from(["P01", "P02"]) | texts  # mostly real ones
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@pytest.fixture
def ledger(db_url):
    bpt = initialised(db_url)
    app = bpt.app
    app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    for code in ("P01", "P02"):
        app.add_project("D01", Y, code, code, operator=OP, on=date(Y, 1, 1))
        app.approve(code, Y, Decimal("100000"), doc="批复", on=date(Y, 1, 2), operator=OP)
        app.pay(code, Y, Decimal("10"), voucher="V1", on=date(Y, 2, 1), operator=OP)
        app.add_indicator(code, Y, level1="产出指标", level2="数量指标", name="次数", target=Target.parse(">=5"),
                          unit="次", weight=Decimal(10), operator=OP, on=date(Y, 1, 2))
        app.add_indicator(code, Y, level1="满意度指标", level2="服务对象满意度指标", name="满意度",
                          target=Target.parse("满意"), unit="", weight=Decimal(10), operator=OP, on=date(Y, 1, 2))
    yield bpt
    # Whatever was recorded is valid: the chains verify, and the views take it and equal a rebuild.
    assert check_chains(bpt) == []
    assert_views_equal_rebuild(bpt)
    bpt.close()


def attempt(bpt: Bpt, command, writes: int | tuple[int, ...] = 1) -> bool:
    """Run one command: a Refusal records nothing; success records ``writes`` events."""
    app = bpt.app
    head = app.recorder.max_notification_id()
    try:
        command(app)
    except Refusal as refusal:
        assert app.recorder.max_notification_id() == head, f"refused ({refusal}) but recorded"
        return False
    grown = app.recorder.max_notification_id() - head if bpt.db.is_postgres else \
        len(app.recorder.select_notifications(head + 1, 10))
    assert grown in ((writes,) if isinstance(writes, int) else writes)
    return True


@SETTINGS
@given(project=projects, amount=amounts, voucher=texts, on=dates, source=sources, note=texts)
def test_pay(ledger, project, amount, voucher, on, source, note):
    attempt(ledger, lambda app: app.pay(project, Y, amount, voucher=voucher, on=on, source=source, operator=OP,
                                        note=note))


@SETTINGS
@given(project=projects, amount=amounts, doc=texts, on=dates, reason=texts, source=sources,
       verb=st.sampled_from(["approve", "carry_over", "adjust"]))
def test_budget_changes(ledger, project, amount, doc, on, reason, source, verb):
    def command(app):
        if verb == "approve":
            app.approve(project, Y, amount, doc=doc, on=on, source=source, operator=OP)
        elif verb == "carry_over":
            app.carry_over(project, Y, amount, doc=doc, on=on, operator=OP)
        else:
            app.adjust(project, Y, amount, doc=doc, on=on, reason=reason, source=source, operator=OP)

    attempt(ledger, command)


@SETTINGS
@given(source_project=projects, target_project=projects, amount=amounts, doc=texts, on=dates, reason=texts)
def test_transfer_is_both_halves_or_nothing(ledger, source_project, target_project, amount, doc, on, reason):
    attempt(ledger, lambda app: app.transfer(source_project, target_project, Y, amount, doc=doc, on=on,
                                             reason=reason, operator=OP), writes=2)


@SETTINGS
@given(project=projects, voucher=st.one_of(st.just("V1"), texts), reason=texts, on=dates)
def test_reverse(ledger, project, voucher, reason, on):
    attempt(ledger, lambda app: app.reverse(project, Y, voucher=voucher, reason=reason, on=on, operator=OP))


@SETTINGS
@given(year=st.integers(min_value=-10, max_value=100_000) | st.just(Y), code=texts, name=texts,
       kind=st.sampled_from(PROJECT_KINDS) | texts,
       quota=st.none() | st.integers(min_value=-10**20, max_value=10**20), new_dept=st.booleans())
def test_registration(ledger, year, code, name, kind, quota, new_dept):
    if new_dept:
        attempt(ledger, lambda app: app.add_department(year, code, name, staff_quota=quota, staff_actual=quota,
                                                       operator=OP, on=date(Y, 1, 1)), writes=(2, 3))
    else:
        attempt(ledger, lambda app: app.add_project("D01", year, code, name, kind=kind, operator=OP,
                                                    on=date(Y, 1, 1)), writes=2)


@SETTINGS
@given(project=projects, level1=texts, level2=texts, name=texts, target=texts, unit=texts, weight=amounts, on=dates)
def test_indicator_declaration(ledger, project, level1, level2, name, target, unit, weight, on):
    def command(app):
        app.add_indicator(project, Y, level1=level1, level2=level2, name=name, target=Target.parse(target),
                          unit=unit, weight=weight, operator=OP, on=on)

    attempt(ledger, command)


@SETTINGS
@given(project=projects, indicator=st.sampled_from(["I01", "I02"]) | texts, value=st.none() | amounts, text=texts,
       on=dates, grade=st.sampled_from(GRADES) | texts, score=amounts,
       verb=st.sampled_from(["record", "assess", "explain"]))
def test_indicator_progress(ledger, project, indicator, value, text, on, grade, score, verb):
    def command(app):
        if verb == "record":
            app.record_actual(project, Y, indicator, value=value, text=text, on=on, operator=OP)
        elif verb == "assess":
            app.assess(project, Y, indicator, grade=grade, score=score, reason=text, on=on, operator=OP)
        else:
            app.explain_deviation(project, Y, indicator, text=text, on=on, operator=OP)

    attempt(ledger, command)


@SETTINGS
@given(key=texts | st.sampled_from(sorted(BASIC_DATA)), value=amounts, source=texts,
       on=dates)
def test_basic_data(ledger, key, value, source, on):
    attempt(ledger, lambda app: app.record_basic_data("D01", Y, key, value, source=source, operator=OP, on=on))
