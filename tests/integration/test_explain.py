"""`bpt explain`: the events behind a figure, on the effective-date axis, as known at a time,
and as issued in a snapshot. Runs on SQLite and PostgreSQL."""

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.projections.audit.explain import FIGURES, explain
from bpt.projections.store.service import Bpt
from bpt.projections.reports.body import build_report
from bpt.projections.reports.snapshots import close
from tests.seed000 import APPROVAL_DOC, DECREASE_DOC, DEPT, EXPECTED, OPERATOR, YEAR, open_seeded


@pytest.fixture
def seeded(db_url):
    handle = open_seeded(db_url)
    yield handle
    handle.close()


def test_cli_adjusted_budget_lists_the_approval_and_the_decrease(bpt, db_url):
    open_seeded(db_url).close()
    doc = json.loads(bpt("explain", "P01", "adjusted_budget", "--year", str(YEAR), "--json", db=db_url).stdout)
    assert doc["value"] == "220000.00" and doc["figure"] == "adjusted_budget" and doc["project"] == "P01"
    assert [(e["type"], e["doc"], e["amount"], e["value_after"]) for e in doc["events"]] == [
        ("Approved", APPROVAL_DOC, "260000.00", "260000.00"),
        ("Decreased", DECREASE_DOC, "40000.00", "220000.00"),
    ]
    first = doc["events"][0]
    assert first["effective_date"] == "2021-01-15" and first["operator"] == OPERATOR
    assert first["recorded_at"] and isinstance(first["position"], int) and first["voucher"] is None
    july = json.loads(bpt("explain", "P01", "adjusted_budget", "--year", str(YEAR), "--as-of", "2021-08-19", "--json",
                          db=db_url).stdout)
    assert july["value"] == "260000.00" and [e["type"] for e in july["events"]] == ["Approved"]
    text = bpt("explain", "P01", "adjusted_budget", "--year", str(YEAR), db=db_url)
    assert text.returncode == 0 and DECREASE_DOC in text.stdout and "220000.00" in text.stdout
    refused = bpt("explain", "P01", "budget", "--year", str(YEAR), db=db_url)
    assert refused.returncode == 2 and refused.stderr.startswith("错误：")


def test_every_figure_ends_at_the_reported_value(seeded):
    report = {p["project"]: p for p in build_report(seeded, DEPT, YEAR)["projects"]}
    for code, expected in EXPECTED.items():
        for figure in (f for f in FIGURES if f in expected):  # carried_over: tests/integration/test_years.py
            doc = explain(seeded, YEAR, code, figure)
            assert doc["value"] == expected[figure] == report[code][figure], (code, figure)
            assert doc["events"][-1]["value_after"] == doc["value"]
            positions = [(e["effective_date"], e["position"]) for e in doc["events"]]
            assert positions == sorted(positions)  # the effective-date axis
    executed = explain(seeded, YEAR, "P01", "executed")
    assert [(e["voucher"], e["value_after"]) for e in executed["events"]] == [("记-0101", "60000.00"),
                                                                             ("记-0102", "154800.00")]
    score = explain(seeded, YEAR, "P01", "execution_score")
    assert "70.36% × 10 = 7.04" in score["rule"]
    total = explain(seeded, YEAR, "P01", "total_score")
    assert total["rule"].endswith("= 97.04（评分规则 project-caiyu-2020-10）")
    assert [p["code"] for p in total["parts"]][:3] == ["execution", "I01", "I02"]
    assert sum(Decimal(p["score"]) for p in total["parts"]) == Decimal("97.04")


def test_known_at_answers_what_was_believed_then(seeded):
    app = seeded.app
    app.pay("P02", YEAR, Decimal("1000"), voucher="记-0299", on=date(YEAR, 12, 30), operator=OPERATOR)
    believed = datetime.now(timezone.utc)
    app.adjust("P02", YEAR, Decimal("-50000"), doc="衡财预〔2021〕88号", on=date(YEAR, 7, 1), reason="压减",
               operator="李审核")
    now = explain(seeded, YEAR, "P02", "adjusted_budget")
    then = explain(seeded, YEAR, "P02", "adjusted_budget", known_at=believed)
    assert now["value"] == "350000.00" and then["value"] == "400000.00"
    assert [e["doc"] for e in now["events"]] == [APPROVAL_DOC, "衡财预〔2021〕88号"]
    assert then["known_at"] == believed.isoformat()
    # Both axes at once: believed then, as of mid-year.
    mid = explain(seeded, YEAR, "P02", "executed", as_of=date(YEAR, 7, 1), known_at=believed)
    assert mid["value"] == "52000.00"
    with pytest.raises(Refusal):
        explain(seeded, YEAR, "P02", "executed", known_at=datetime(2000, 1, 1, tzinfo=timezone.utc))


def test_snapshot_replays_its_position_and_lists_later_events(seeded):
    issued = close(seeded, DEPT, YEAR, operator=OPERATOR)
    seeded.app.pay("P01", YEAR, Decimal("5200"), voucher="记-0150", on=date(YEAR, 12, 28), operator="更正员")
    at_close = explain(seeded, YEAR, "P01", "executed", snapshot=issued["snapshot"])
    assert at_close["value"] == at_close["issued_value"] == "154800.00"
    assert [e["voucher"] for e in at_close["later_events"]] == ["记-0150"]
    assert not any(e["late"] for e in at_close["events"])
    now = explain(seeded, YEAR, "P01", "executed")
    assert now["value"] == "160000.00" and now["late_snapshot"] == issued["snapshot"]
    assert [(e["voucher"], e["late"]) for e in now["events"]] == [("记-0101", False), ("记-0102", False),
                                                                  ("记-0150", True)]
    rate = explain(seeded, YEAR, "P01", "execution_rate", snapshot=issued["snapshot"])
    assert rate["value"] == rate["issued_value"] == "0.7036"
    with pytest.raises(Refusal):
        explain(seeded, YEAR, "P01", "executed", snapshot="D01-2021-nosuch")


def test_a_handle_explaining_again_after_new_events_equals_a_fresh_one(seeded, db_url):
    """The per-figure cache of a long-lived handle (the TUI's) follows new events: those of the
    figure's kinds and the others, which still move the document's position."""
    for figure in FIGURES:
        explain(seeded, YEAR, "P01", figure)  # fill the cache of each figure's events
    seeded.app.pay("P01", YEAR, Decimal("100.00"), voucher="记-9001", on=date(YEAR, 11, 2), operator=OPERATOR)
    seeded.app.adjust("P01", YEAR, Decimal("500.00"), doc="追加-9002", on=date(YEAR, 11, 3), reason="追加",
                      operator=OPERATOR)
    fresh = Bpt(db_url)
    try:
        head = fresh.app.recorder.max_notification_id()
        for figure in FIGURES:
            again, anew = explain(seeded, YEAR, "P01", figure), explain(fresh, YEAR, "P01", figure)
            assert again == anew, figure
            assert again["position"] == head, figure
        assert explain(seeded, YEAR, "P01", "executed")["events"][-1]["voucher"] == "记-9001"
        assert explain(seeded, YEAR, "P01", "adjusted_budget")["value"] == "220500.00"
    finally:
        fresh.close()
