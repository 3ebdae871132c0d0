"""`bpt history`: the year's event log, filtered by project, operator, effective date and type."""

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.projections.audit.history import history
from tests.seed000 import APPROVAL_DOC, DECREASE_DOC, OPERATOR, YEAR, open_seeded

KEYS = {"type", "label", "project", "dept", "effective_date", "recorded_at", "operator", "doc", "voucher", "amount",
        "position", "detail", "login", "server_recorded_at"}


@pytest.fixture
def seeded(db_url):
    handle = open_seeded(db_url)
    yield handle
    handle.close()


def test_the_whole_year_in_log_order(seeded):
    doc = history(seeded, YEAR)
    events = doc["events"]
    assert len(events) == seeded.app.recorder.max_notification_id()  # one year only in this store: every event
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert all(set(e) == KEYS for e in events)
    assert events[0]["type"] == "Created" and events[0]["label"] == "开立年度"
    decrease = next(e for e in events if e["type"] == "Decreased")
    assert (decrease["label"], decrease["project"], decrease["dept"], decrease["doc"], decrease["amount"],
            decrease["effective_date"], decrease["detail"]) == (
        "调减", "P01", "D01", DECREASE_DOC, "40000.00", "2021-08-20", "压减一般性支出")


def test_filters(seeded):
    seeded.app.pay("P02", YEAR, Decimal("800"), voucher="记-0203", on=date(YEAR, 12, 1), operator="李出纳")
    assert [e["voucher"] for e in history(seeded, YEAR, operator="李出纳")["events"]] == ["记-0203"]
    paid = history(seeded, YEAR, project="P02", types=["Paid"])["events"]
    assert [(e["voucher"], e["amount"]) for e in paid] == [("记-0201", "52000.00"), ("记-0202", "77000.00"),
                                                          ("记-0203", "800.00")]
    # Chinese labels work as types; several types at once.
    budget = history(seeded, YEAR, types=["年初预算", "Decreased"])["events"]
    assert [(e["project"], e["type"], e["doc"]) for e in budget] == [
        ("P01", "Approved", APPROVAL_DOC), ("P02", "Approved", APPROVAL_DOC), ("P01", "Decreased", DECREASE_DOC)]
    late = history(seeded, YEAR, since=date(YEAR, 11, 1), types=["支出"])["events"]
    assert [e["voucher"] for e in late] == ["记-0202", "记-0203"]
    later = datetime.now(timezone.utc)
    assert history(seeded, YEAR, recorded_since=later)["events"] == []
    with pytest.raises(Refusal) as refused:
        history(seeded, YEAR, types=["Payed"])
    assert refused.value.field == "--type"
    with pytest.raises(Refusal):
        history(seeded, YEAR, project="P99")


def test_cli_history_json_and_text(bpt, db_url):
    open_seeded(db_url).close()
    result = bpt("history", "--year", str(YEAR), "--project", "P01", "--operator", OPERATOR, "--type", "Paid,调减",
                 "--since", "2021-04-01", "--json", db=db_url)
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert [(e["type"], e["doc"] or e["voucher"]) for e in events] == [  # log order: the 调减 was recorded first
        ("Decreased", DECREASE_DOC), ("Paid", "记-0101"), ("Paid", "记-0102")]
    text = bpt("history", "--year", str(YEAR), "--type", "Approved", db=db_url)
    assert text.returncode == 0 and "年初预算" in text.stdout and "2 条" in text.stdout
