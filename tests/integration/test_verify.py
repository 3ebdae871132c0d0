"""`bpt verify`: every issued snapshot re-derived from the events; a row edited behind bpt's back
is reported with the snapshot and the figure. Runs on SQLite and PostgreSQL."""

import json
import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from bpt.projections.store.database import Database
from bpt.projections.audit.verify import verify
from bpt.projections.reports.snapshots import close
from bpt.projections.store.service import Bpt
from tests.seed000 import DEPT, OPERATOR, YEAR, open_seeded


@pytest.fixture
def closed(db_url):
    handle = open_seeded(db_url)
    issued = close(handle, DEPT, YEAR, operator=OPERATOR)
    handle.close()
    return db_url, issued


def tamper_paid_amount(url: str, old: str, new: str) -> None:
    """Rewrite a Paid event's amount in the stored JSON with plain SQL, past the append-only guards."""
    db = Database(url)
    needle, replacement = f'"_data_":"{old}"', f'"_data_":"{new}"'
    if db.is_postgres:
        with db.connect_pg() as conn:
            conn.execute("SET session_replication_role = replica")  # a superuser skipping the triggers
            changed = conn.execute(
                "UPDATE bpt_events SET state = convert_to(replace(convert_from(state, 'UTF8'), %s, %s), 'UTF8') "
                "WHERE topic LIKE %s AND position(%s in convert_from(state, 'UTF8')) > 0",
                (needle, replacement, "%ProjectYear.Paid", needle)).rowcount
    else:
        with sqlite3.connect(db.sqlite_path) as conn:
            conn.execute("DROP TRIGGER IF EXISTS stored_events_no_update")  # whoever holds the file can
            changed = conn.execute(
                "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), ?, ?) AS BLOB) "
                "WHERE topic LIKE ? AND instr(CAST(state AS TEXT), ?) > 0",
                (needle, replacement, "%ProjectYear.Paid", needle)).rowcount
    assert changed == 1


def test_an_untouched_store_passes(bpt, closed):
    url, issued = closed
    result = bpt("verify", "--json", db=url)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["ok"] and doc["problems"] == []
    assert [(s["snapshot"], s["ok"], s["late_events"]) for s in doc["snapshots"]] == [(issued["snapshot"], True, 0)]
    text = bpt("verify", db=url)
    assert text.returncode == 0 and "核对通过" in text.stdout


def test_an_edited_payment_is_reported_with_snapshot_and_figure(bpt, closed):
    url, issued = closed
    tamper_paid_amount(url, "94800", "95800")  # 记-0102 of P01
    result = bpt("verify", "--json", db=url)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert not doc["ok"] and not doc["snapshots"][0]["ok"]
    found = {(p["project"], p["figure"]): p for p in doc["problems"] if p["check"] == "snapshot"}
    executed = found[("P01", "executed")]
    assert (executed["dept"], executed["year"], executed["snapshot"]) == (DEPT, YEAR, issued["snapshot"])
    assert (executed["issued"], executed["rederived"]) == ("154800.00", "155800.00")
    assert (found[("P01", "execution_rate")]["issued"], found[("P01", "execution_rate")]["rederived"]) == \
        ("0.7036", "0.7082")
    assert found[(None, "department.executed")]["rederived"] == "284800.00"
    assert not any(p == "P02" for p, _ in found)  # only what the edit changed
    # The hash chain catches the same row (when the integrity checker is installed).
    chains = [p for p in doc["problems"] if p["check"] == "chain"]
    assert doc["chain_problems"] == len(chains)
    text = bpt("verify", db=url)
    assert text.returncode == 1 and f"快照 {issued['snapshot']}｜项目 P01，数字 executed" in text.stdout


def test_late_corrections_are_flagged_but_do_not_fail(closed):
    url, issued = closed
    handle = Bpt(url)
    try:
        handle.app.pay("P02", YEAR, Decimal("100"), voucher="记-0299", on=date(YEAR, 12, 31), operator="更正员")
        doc = verify(handle)
    finally:
        handle.close()
    assert doc["ok"]
    assert doc["snapshots"][0]["late_events"] == 1
