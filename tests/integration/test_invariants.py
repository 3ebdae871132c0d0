"""Every budget invariant refuses with a message naming the field, and records nothing.

Runs on SQLite and on the machine's PostgreSQL (the ``app`` fixture is parametrised).
"""

from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.domain.values import CARRIED, OTHER, Target

Y = 2021
OP = "张会计"


@pytest.fixture
def ledger(app):
    app.add_department(Y, "D01", "市直工委", operator=OP, on=date(Y, 1, 1))
    app.add_project("D01", Y, "P01", "市直机关工会工作经费", operator=OP, on=date(Y, 1, 1))
    app.add_project("D01", Y, "P02", "党员活动经费", operator=OP, on=date(Y, 1, 1))
    app.approve("P01", Y, Decimal("260000"), doc="衡财预〔2021〕1号", on=date(Y, 1, 10), operator=OP)
    app.approve("P02", Y, Decimal("400000"), doc="衡财预〔2021〕1号", on=date(Y, 1, 10), operator=OP)
    app.pay("P01", Y, Decimal("100000"), voucher="记-001", on=date(Y, 3, 1), operator=OP)
    app.add_indicator("P01", Y, level1="产出指标", level2="数量指标", name="培训次数", target=Target.parse(">=2"),
                      unit="次", weight=Decimal(10), operator=OP, on=date(Y, 1, 10))
    app.add_indicator("P01", Y, level1="满意度指标", level2="服务对象满意度指标", name="满意度",
                      target=Target.parse("满意"), unit="", weight=Decimal(10), operator=OP, on=date(Y, 1, 10))
    return app


def refused(app, field: str, command):
    """Run ``command``; assert it is refused naming ``field`` and that the log did not grow."""
    head = app.recorder.max_notification_id()
    with pytest.raises(Refusal) as e:
        command()
    assert e.value.field == field, str(e.value)
    assert app.recorder.max_notification_id() == head
    return str(e.value)


def test_negative_or_zero_amounts_are_refused(ledger):
    refused(ledger, "金额", lambda: ledger.pay("P01", Y, Decimal("-5"), voucher="x", on=date(Y, 3, 2), operator=OP))
    refused(ledger, "金额", lambda: ledger.approve("P01", Y, Decimal("0"), doc="d", on=date(Y, 3, 2), operator=OP))
    refused(ledger, "金额", lambda: ledger.adjust("P01", Y, Decimal("0"), doc="d", on=date(Y, 3, 2), reason="r",
                                                 operator=OP))


def test_decrease_below_spent_is_refused(ledger):
    msg = refused(ledger, "金额", lambda: ledger.adjust("P01", Y, Decimal("-160000.01"), doc="衡财预〔2021〕35号",
                                                       on=date(Y, 7, 1), reason="压减", operator=OP))
    assert "可用额度 160000.00" in msg
    ledger.adjust("P01", Y, Decimal("-160000"), doc="衡财预〔2021〕35号", on=date(Y, 7, 1), reason="压减", operator=OP)
    assert ledger.project(Y, "P01").budget() == Decimal("100000.00")


def test_transfer_below_spent_is_refused_and_is_atomic(ledger):
    refused(ledger, "金额", lambda: ledger.transfer("P01", "P02", Y, Decimal("160000.01"), doc="调〔2021〕1号",
                                                   on=date(Y, 6, 1), reason="调剂", operator=OP))
    ledger.transfer("P01", "P02", Y, Decimal("60000"), doc="调〔2021〕1号", on=date(Y, 6, 1), reason="调剂",
                    operator=OP)
    assert ledger.project(Y, "P01").budget() == Decimal("200000.00")
    assert ledger.project(Y, "P02").budget() == Decimal("460000.00")


def test_payment_beyond_budget_of_its_source_is_refused(ledger):
    refused(ledger, "金额", lambda: ledger.pay("P01", Y, Decimal("160000.01"), voucher="记-002", on=date(Y, 3, 2),
                                              operator=OP))
    # 无预算不支出: there is no 其他资金 budget at all, so nothing can be paid from it.
    refused(ledger, "金额", lambda: ledger.pay("P01", Y, Decimal("1"), voucher="记-003", on=date(Y, 3, 2),
                                              source=OTHER, operator=OP))
    ledger.approve("P01", Y, Decimal("5000"), doc="结转〔2021〕1号", on=date(Y, 1, 5), source=CARRIED, operator=OP)
    ledger.pay("P01", Y, Decimal("5000"), voucher="记-004", on=date(Y, 3, 2), source=CARRIED, operator=OP)
    assert ledger.project(Y, "P01").figures()["carried_over"] == Decimal("5000.00")


def test_voucher_used_twice_is_refused(ledger):
    refused(ledger, "凭证号", lambda: ledger.pay("P01", Y, Decimal("1"), voucher="记-001", on=date(Y, 3, 2),
                                                operator=OP))


def test_same_doc_same_amount_needs_confirmation(ledger):
    refused(ledger, "文号", lambda: ledger.approve("P01", Y, Decimal("260000"), doc="衡财预〔2021〕1号",
                                                 on=date(Y, 1, 11), operator=OP))
    ledger.approve("P01", Y, Decimal("260000"), doc="衡财预〔2021〕1号", on=date(Y, 1, 11), operator=OP,
                   confirm_duplicate=True)
    assert ledger.project(Y, "P01").figures()["initial_budget"] == Decimal("520000.00")


def test_dates_outside_the_fiscal_year_are_refused(ledger):
    refused(ledger, "日期", lambda: ledger.pay("P01", Y, Decimal("1"), voucher="记-009", on=date(Y + 1, 1, 1),
                                              operator=OP))
    refused(ledger, "日期", lambda: ledger.adjust("P01", Y, Decimal("1"), doc="d", on=date(Y - 1, 12, 31),
                                                 reason="r", operator=OP))


def test_unknown_department_project_indicator_are_refused(ledger):
    refused(ledger, "部门", lambda: ledger.add_project("D99", Y, "P09", "x", operator=OP))
    refused(ledger, "项目", lambda: ledger.pay("P99", Y, Decimal("1"), voucher="v", on=date(Y, 3, 2), operator=OP))
    refused(ledger, "项目", lambda: ledger.pay("P01", Y + 1, Decimal("1"), voucher="v", on=date(Y + 1, 3, 2),
                                              operator=OP))
    refused(ledger, "指标", lambda: ledger.record_actual("P01", Y, "I99", value=Decimal(1), text="1",
                                                        on=date(Y, 5, 1), operator=OP))


def test_project_codes_are_unique_within_a_year(ledger):
    ledger.add_department(Y, "D02", "另一部门", operator=OP, on=date(Y, 1, 1))
    refused(ledger, "项目编号", lambda: ledger.add_project("D02", Y, "P01", "重名", operator=OP))
    refused(ledger, "部门编号", lambda: ledger.add_department(Y, "D02", "again", operator=OP))


def test_reversal_is_a_new_event_and_only_once(ledger):
    ledger.reverse("P01", Y, voucher="记-001", reason="重复报销", operator=OP, on=date(Y, 4, 1))
    assert ledger.project(Y, "P01").figures()["executed"] == Decimal("0.00")
    refused(ledger, "凭证号", lambda: ledger.reverse("P01", Y, voucher="记-001", reason="again", operator=OP,
                                                    on=date(Y, 4, 2)))
    refused(ledger, "凭证号", lambda: ledger.reverse("P01", Y, voucher="nope", reason="r", operator=OP,
                                                    on=date(Y, 4, 2)))


def test_qualitative_assessment_must_fit_its_grade_band_and_give_a_reason(ledger):
    refused(ledger, "得分", lambda: ledger.assess("P01", Y, "I02", grade="达成", score=Decimal("7"), reason="r",
                                                 on=date(Y, 12, 1), operator=OP))
    refused(ledger, "原因", lambda: ledger.assess("P01", Y, "I02", grade="达成", score=Decimal("9"), reason="",
                                                 on=date(Y, 12, 1), operator=OP))
    refused(ledger, "指标", lambda: ledger.assess("P01", Y, "I01", grade="达成", score=Decimal("9"), reason="r",
                                                 on=date(Y, 12, 1), operator=OP))
    ledger.assess("P01", Y, "I02", grade="达成", score=Decimal("10"), reason="", on=date(Y, 12, 1), operator=OP)


def test_every_event_carries_operator_effective_date_and_chain(ledger):
    for n in ledger.recorder.select_notifications(1, 1000):
        event = ledger.mapper.to_domain_event(n)
        assert event.operator == OP
        assert isinstance(event.effective_date, date)
        assert len(event.chain) == 64
