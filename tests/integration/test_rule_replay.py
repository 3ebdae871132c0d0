"""verify replays the commands' rules: an event recorded past its command is a located finding (issue 25).

The forgeries here go through the library (``trigger_event`` + ``save``, as a database login with
the app role can do by hand): the hash chain is valid, so only the rule replay sees them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.chain import link
from bpt.domain.department import DepartmentYear, FiscalYear
from bpt.domain.ledger import project_id
from bpt.domain.project import ProjectYear
from bpt.domain.replay import CREATIONS, RULES
from bpt.projections.audit.integrity import check_chains
from bpt.domain.ledger import _complete as complete_defaults
from bpt.projections.audit.rules import check_rules
from bpt.projections.audit.verify import verify
from tests.conftest import run_bpt
from tests.seed000 import DEPT, OPERATOR, YEAR, open_seeded


@pytest.fixture
def seeded(db_url):
    bpt = open_seeded(db_url)
    yield bpt
    bpt.close()


def forge(bpt, code: str, event_class: type, **fields) -> int:
    """Insert ``event_class`` on project ``code`` with a valid hash, skipping its command (and its
    ``apply``, which a reversal of nothing would break); returns its position."""
    app = bpt.app
    p = app.project(YEAR, code)
    fields = {"operator": "局长", "timestamp": event_class.create_timestamp(), **fields}
    complete_defaults(event_class, fields)  # the stored event holds its defaulted fields: the chain hashes them
    fields["chain"] = link(p.chain, event_class.__name__, dict(fields, originator_id=p.id,
                                                                   originator_version=p.version + 1))
    event = event_class(originator_id=p.id, originator_version=p.version + 1, **fields)
    app.recorder.insert_events([app.mapper.to_stored_event(event)])
    return app.recorder.max_notification_id()


def test_every_event_class_names_its_command():
    """A new event kind must say which command records it, or verify could not replay it."""
    for aggregate in (ProjectYear, DepartmentYear, FiscalYear):
        classes = {v for v in vars(aggregate).values()
                   if isinstance(v, type) and issubclass(v, aggregate.Event) and v is not aggregate.Event and not v.__name__.startswith("_")}
        missing = {c.__qualname__ for c in classes if c not in RULES and c not in CREATIONS}
        assert not missing


def test_events_recorded_by_their_commands_pass(seeded):
    app = seeded.app
    app.transfer("P01", "P02", YEAR, Decimal("1000"), doc="调〔2021〕1号", on=date(YEAR, 9, 1), reason="调剂",
                 operator=OPERATOR)
    app.reverse("P02", YEAR, voucher="记-0201", reason="退回", operator=OPERATOR, on=date(YEAR, 12, 1))
    app.pay("P02", YEAR, Decimal("1"), voucher="记-0203", on=date(YEAR, 12, 2), operator=OPERATOR)
    assert check_rules(seeded) == []


def test_forged_events_are_located_with_their_rule(seeded):
    overspend = forge(seeded, "P01", ProjectYear.Paid, amount=Decimal("99999999.00"), source="当年财政拨款",
                      voucher="记-9999", note="", effective_date=date(YEAR, 6, 1))
    reused = forge(seeded, "P02", ProjectYear.Paid, amount=Decimal("1.00"), source="当年财政拨款",
                   voucher="记-0201", note="", effective_date=date(YEAR, 6, 1))
    outside = forge(seeded, "P02", ProjectYear.Increased, amount=Decimal("5.00"), source="当年财政拨款",
                    doc="衡财预〔2021〕99号", reason="追加", effective_date=date(YEAR + 1, 1, 5))
    wrong_amount = forge(seeded, "P02", ProjectYear.PaymentReversed, amount=Decimal("77000000.00"),
                         source="当年财政拨款", voucher="记-0202", reason="冲销", effective_date=date(YEAR, 12, 1))
    indicator = next(c for c, i in seeded.app.project(YEAR, "P02").indicators.items()
                     if i["target"]["comparison"] == "text")
    score = forge(seeded, "P02", ProjectYear.QualitativeAssessed, indicator=indicator, grade="未达成",
                  score=Decimal("4.90"), reason="打分", effective_date=date(YEAR, 12, 31))
    # Last on P01: replaying a reversal of nothing fails, so P01 is not replayed after it.
    nothing = forge(seeded, "P01", ProjectYear.PaymentReversed, amount=Decimal("5.00"), source="当年财政拨款",
                    voucher="记-无", reason="冲销", effective_date=date(YEAR, 7, 1))
    assert check_chains(seeded) == []  # valid hashes: the chain alone sees nothing
    found = {p["position"]: p for p in check_rules(seeded)}
    assert set(found) == {overspend, reused, outside, nothing, wrong_amount, score}
    assert found[overspend]["rule"] == "金额" and "超过项目 P01" in found[overspend]["detail"]
    assert found[overspend]["key"] == f"{YEAR}/P01" and found[overspend]["type"] == "Paid"
    assert found[reused]["rule"] == "凭证号"
    assert found[outside]["rule"] == "日期"
    assert found[nothing]["rule"] == "凭证号" and "没有凭证" in found[nothing]["detail"]
    assert found[wrong_amount]["rule"] == "amount"
    assert found[score]["type"] == "QualitativeAssessed"
    doc = verify(seeded)
    assert not doc["ok"] and doc["rule_problems"] == 6


def test_a_project_nobody_registered_is_found(seeded):
    """A creation event inserted on its own: no department lists it."""
    forged = ProjectYear.register(project_id(YEAR, "PX"), year=YEAR, dept=DEPT, code="PX", name="虚设项目",
                                  kind="项目支出", operator="局长", effective_date=date(YEAR, 1, 1))
    seeded.app.save(forged)
    [problem] = check_rules(seeded)
    assert problem["type"] == "Created" and problem["rule"] == "项目编号" and problem["key"] == f"{YEAR}/PX"


def test_cli_verify_reports_the_forged_payment(sqlite_url):
    bpt = open_seeded(sqlite_url)
    position = forge(bpt, "P01", ProjectYear.Paid, amount=Decimal("99999999.00"), source="当年财政拨款",
                     voucher="记-9999", note="", effective_date=date(YEAR, 6, 1))
    bpt.close()
    done = run_bpt("verify", db=sqlite_url)
    assert done.returncode == 1
    assert f"问题：规则｜ProjectYear {YEAR}/P01 版本" in done.stdout and f"位置 {position} Paid" in done.stdout
