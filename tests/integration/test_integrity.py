"""check_chains finds every row a superuser altered, deleted or broke, and nothing else.

Each test records a small ledger through the application, then tampers with the stored rows
the way only a database superuser can (bypassing the append-only triggers), on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.ledger import project_id
from bpt.projections.audit.integrity import check_chains
from bpt.projections.store.service import Bpt
from tests.conftest import initialised

Y, OP = 2021, "完整性测试"


@pytest.fixture
def ledger(db_url):
    """An initialised store with two projects, a transfer, payments and a snapshot."""
    bpt = initialised(db_url)
    app = bpt.app
    app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    app.add_project("D01", Y, "P01", "项目一", operator=OP, on=date(Y, 1, 1))
    app.add_project("D01", Y, "P02", "项目二", operator=OP, on=date(Y, 1, 1))
    app.approve("P01", Y, Decimal("10000"), doc="衡财预〔2021〕1号", on=date(Y, 1, 2), operator=OP)
    app.transfer("P01", "P02", Y, Decimal("100"), doc="调〔2021〕1号", on=date(Y, 2, 1), reason="调剂", operator=OP)
    for i in range(5):
        app.pay("P01", Y, Decimal("10.50"), voucher=f"记-{i}", on=date(Y, 3, 1), operator=OP)
    app.take_snapshot(project_id(Y, "P01"))
    app.pay("P01", Y, Decimal("1"), voucher="记-last", on=date(Y, 3, 2), operator=OP)
    yield bpt
    bpt.close()


def superuser(bpt: Bpt, statement: str, params: tuple = ()) -> None:
    """Run SQL on the event tables past the triggers, as only a superuser / file owner can."""
    if bpt.db.is_postgres:
        with bpt.db.connect_pg() as conn:
            conn.execute("SET session_replication_role = replica")  # disables the triggers
            conn.execute(statement.replace("?", "%s"), params)
    else:
        with sqlite3.connect(bpt.db.sqlite_path) as conn:
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute(statement.replace("bpt_events", "stored_events").replace("bpt_snapshots", "stored_snapshots")
                         .replace("notification_id", "rowid"), params)


def position_of(bpt: Bpt, code: str, version: int) -> int:
    """The log position of one event of project ``code``."""
    pid = project_id(Y, code)
    return next(n.id for n in bpt.app.recorder.select_notifications(1, 10_000) if n.originator_id == pid
                and n.originator_version == version)


def state_at(bpt: Bpt, position: int) -> dict:
    return json.loads(bpt.app.recorder.select_notifications(position, 1)[0].state)


def rewrite(bpt: Bpt, position: int, state: dict) -> None:
    superuser(bpt, "UPDATE bpt_events SET state = ? WHERE notification_id = ?",
              (json.dumps(state, ensure_ascii=False).encode(), position))


def test_an_intact_store_has_no_problems(ledger):
    assert check_chains(ledger) == []
    assert check_chains(ledger, batch=3) == []  # batch boundaries change nothing


def test_an_edited_amount_is_located_precisely(ledger):
    position = position_of(ledger, "P01", 4)  # versions: 1 created, 2 approved, 3 transfer, 4.. paid
    state = state_at(ledger, position)
    assert state["voucher"] == "记-0"
    state["amount"]["_data_"] = "1.50"
    rewrite(ledger, position, state)
    problems = check_chains(ledger)
    assert [(p["problem"], p["kind"], p["key"], p["version"], p["position"], p["type"]) for p in problems] == [
        ("edited", "ProjectYear", f"{Y}/P01", 4, position, "Paid")]
    assert str(project_id(Y, "P01")) == problems[0]["aggregate"]


def test_an_edited_row_rehashed_breaks_at_the_next_row(ledger):
    """Re-hashing the edited row moves the break to its successor: still located."""
    from bpt.domain.chain import link

    position = position_of(ledger, "P01", 4)
    event = ledger.app.mapper.to_domain_event(ledger.app.recorder.select_notifications(position, 1)[0])
    state = state_at(ledger, position)
    state["operator"] = "冒名者"
    fields = {**vars(event), "operator": "冒名者"}
    previous = ledger.app.mapper.to_domain_event(ledger.app.recorder.select_notifications(
        position_of(ledger, "P01", 3), 1)[0]).chain
    state["chain"] = link(previous, "Paid", fields)
    rewrite(ledger, position, state)
    problems = check_chains(ledger)
    assert [(p["problem"], p["version"]) for p in problems] == [("edited", 5)]


def test_a_deleted_row_is_a_version_gap(ledger):
    position = position_of(ledger, "P01", 5)
    superuser(ledger, "DELETE FROM bpt_events WHERE notification_id = ?", (position,))
    problems = check_chains(ledger)
    gaps = [p for p in problems if p["aggregate"] is not None]
    assert [(p["problem"], p["key"], p["version"], p["position"]) for p in gaps] == [
        ("deleted", f"{Y}/P01", 5, position_of(ledger, "P01", 6))]
    if not ledger.db.is_postgres:  # SQLite positions never have holes of their own
        assert [(p["problem"], p["position"]) for p in problems if p["aggregate"] is None] == [("deleted", position)]


def test_an_undecodable_row_is_reported_and_the_rest_still_checked(ledger):
    broken = position_of(ledger, "P01", 4)
    superuser(ledger, "UPDATE bpt_events SET state = ? WHERE notification_id = ?",
              (b'{"chain": "x", "amount": ', broken))
    edited = position_of(ledger, "P02", 2)  # the transfer into P02
    state = state_at(ledger, edited)
    state["reason"] = "改过的理由"
    rewrite(ledger, edited, state)
    problems = check_chains(ledger)
    # the row after the undecodable one cannot be checked (its predecessor's hash is unreadable)
    assert [(p["problem"], p["key"], p["position"]) for p in problems] == [
        ("edited", f"{Y}/P02", edited), ("undecodable", f"{Y}/P01", broken)]


def test_an_altered_snapshot_is_reported(ledger):
    superuser(ledger, "UPDATE bpt_snapshots SET state = ?", (b"{}",))
    problems = check_chains(ledger)
    assert [(p["problem"], p["key"], p["type"]) for p in problems] == [("snapshot", f"{Y}/P01", "Snapshot")]


def test_a_snapshot_with_different_figures_is_reported(ledger):
    pid = str(project_id(Y, "P01"))
    rows = ledger.app.snapshots.recorder.select_events(project_id(Y, "P01"))
    state = json.loads(rows[0].state)
    assert state["state"]["amounts"]["executed"]["当年财政拨款"] == {"_type_": "decimal_str", "_data_": "52.50"}
    state["state"]["amounts"]["executed"]["当年财政拨款"]["_data_"] = "0.00"
    superuser(ledger, "UPDATE bpt_snapshots SET state = ? WHERE originator_version = ?",
              (json.dumps(state, ensure_ascii=False).encode(), rows[0].originator_version))
    problems = check_chains(ledger)
    assert [(p["problem"], p["aggregate"], p["version"]) for p in problems] == [
        ("snapshot", pid, rows[0].originator_version)]


def test_deleting_the_events_behind_a_snapshot_is_reported(ledger):
    """A deleted tail leaves no version gap, but the snapshot is ahead of the events."""
    pid = project_id(Y, "P01")
    for position in (position_of(ledger, "P01", 9), position_of(ledger, "P01", 8)):
        superuser(ledger, "DELETE FROM bpt_events WHERE notification_id = ?", (position,))
    problems = [p for p in check_chains(ledger) if p["aggregate"] is not None]
    assert [(p["problem"], p["aggregate"], p["version"], p["type"]) for p in problems] == [
        ("deleted", str(pid), 8, "Snapshot")]


def test_bpt_verify_locates_a_row_altered_by_a_superuser(ledger, bpt):
    assert bpt("verify", "--json", db=ledger.db.url).returncode == 0
    position = position_of(ledger, "P01", 6)
    state = state_at(ledger, position)
    state["amount"]["_data_"] = "1050.00"  # 10.50 → 1050.00
    rewrite(ledger, position, state)
    done = bpt("verify", "--json", db=ledger.db.url)
    assert done.returncode == 1, done.stderr
    chain = [p for p in json.loads(done.stdout)["problems"] if p["check"] == "chain"]
    assert [(p["problem"], p["key"], p["version"], p["position"], p["type"]) for p in chain] == [
        ("edited", f"{Y}/P01", 6, position, "Paid")]
    text = bpt("verify", db=ledger.db.url)
    assert text.returncode == 1 and f"位置 {position}" in text.stdout
