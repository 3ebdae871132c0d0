"""Checkpoints anchor the chain heads: a re-hashed or deleted tail is found against them (issue 25)."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import psycopg
import pytest

from bpt.domain.chain import link
from bpt.domain.ledger import project_id
from bpt.projections.audit.checkpoint import latest_checkpoint
from bpt.projections.audit.integrity import check_chains
from bpt.projections.store.service import Bpt
from tests.integration.test_security import _refused, protected_pg  # noqa: F401 — a fixture
from tests.seed000 import YEAR, open_seeded, record_seed000


def _rehash_from(bpt: Bpt, code: str, version: int, amount: Decimal) -> None:
    """What the holder of the SQLite file can do: change one payment and re-hash the rest of its chain."""
    app = bpt.app
    pid = project_id(YEAR, code)
    events = list(app.events.get(pid))
    previous = events[version - 2].chain
    rows = []
    for e in events[version - 1:]:
        fields = {k: v for k, v in vars(e).items() if k != "chain"}
        if e.originator_version == version:
            assert type(e).__name__ == "Paid"
            fields["amount"] = amount
        chain = link(previous, type(e).__name__, fields)
        forged = type(e)(**fields, chain=chain)
        rows.append((app.mapper.to_stored_event(forged).state, pid.hex, e.originator_version))
        previous = chain
    with sqlite3.connect(bpt.db.sqlite_path) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.executemany("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?", rows)


def _paid_version(bpt: Bpt, code: str) -> int:
    return next(e.originator_version for e in bpt.app.events.get(project_id(YEAR, code)) if type(e).__name__ == "Paid")


def test_sqlite_a_rehashed_tail_is_found_against_an_exported_checkpoint(sqlite_url, tmp_path, bpt):
    handle = open_seeded(sqlite_url)
    version = _paid_version(handle, "P01")
    handle.close()
    anchor = tmp_path / "kept-elsewhere.json"
    taken = bpt("checkpoint", "-o", str(anchor), db=sqlite_url)
    assert taken.returncode == 0, taken.stderr
    assert bpt("verify", "--against", str(anchor), db=sqlite_url).returncode == 0
    handle = Bpt(sqlite_url)
    _rehash_from(handle, "P01", version, Decimal("6.00"))
    assert check_chains(handle) == []  # the chain alone is fooled
    head = handle.app.project(YEAR, "P01").version
    handle.close()
    done = bpt("verify", "--against", str(anchor), "--json", db=sqlite_url)
    assert done.returncode == 1
    found = [p for p in json.loads(done.stdout)["problems"] if p["check"] == "checkpoint"]
    assert [(p["problem"], p["aggregate"], p["version"]) for p in found] == [
        ("rehashed", str(project_id(YEAR, "P01")), head)]


def test_sqlite_a_deleted_tail_is_found_against_an_exported_checkpoint(sqlite_url, tmp_path, bpt):
    open_seeded(sqlite_url).close()
    anchor = tmp_path / "anchor.json"
    assert bpt("checkpoint", "-o", str(anchor), db=sqlite_url).returncode == 0
    with sqlite3.connect(sqlite_url) as conn:
        conn.execute("DROP TRIGGER stored_events_no_delete")
        conn.execute("DELETE FROM stored_events WHERE rowid = (SELECT max(rowid) FROM stored_events)")
    done = bpt("verify", "--against", str(anchor), "--json", db=sqlite_url)
    assert done.returncode == 1
    problems = {(p["check"], p["problem"]) for p in json.loads(done.stdout)["problems"]}
    assert {("checkpoint", "rewound"), ("checkpoint", "deleted"), ("guards", "guard")} <= problems


def test_a_file_that_is_no_checkpoint_is_refused(sqlite_url, tmp_path, bpt):
    open_seeded(sqlite_url).close()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    done = bpt("verify", "--against", str(bad), db=sqlite_url)
    assert done.returncode == 2 and done.stderr.startswith("错误：--against：")


def test_pg_the_server_writes_checkpoints_and_verify_compares_with_the_latest(protected_pg, bpt):  # noqa: F811
    admin_url, app_url, _ = protected_pg
    handle = Bpt(app_url)
    record_seed000(handle.app)
    taken = bpt("checkpoint", "--json", db=app_url)  # the app login may ask for one…
    assert taken.returncode == 0, taken.stderr
    doc = json.loads(taken.stdout)
    assert doc["checkpoint"] == 1 and doc["position"] == handle.app.recorder.max_notification_id()
    assert doc["heads"][str(project_id(YEAR, "P01"))][0] == handle.app.project(YEAR, "P01").version
    for statement in ("INSERT INTO bpt_checkpoints (taken_at, login, position, heads) VALUES (now(), 'x', 0, '{}')",
                      "UPDATE bpt_checkpoints SET position = 0", "DELETE FROM bpt_checkpoints"):
        _refused(app_url, statement)  # …but not write or change one
    assert latest_checkpoint(handle) == doc
    handle.close()
    newest = doc["position"]
    with psycopg.connect(admin_url, autocommit=True) as conn:  # a superuser removes the newest event and its stamp
        conn.execute("SET session_replication_role = replica")
        conn.execute(f"DELETE FROM bpt_events WHERE notification_id = {newest}")
        conn.execute(f"DELETE FROM bpt_event_stamps WHERE notification_id = {newest}")
    done = bpt("verify", "--json", db=admin_url)
    assert done.returncode == 1
    found = {(p["problem"], p["position"] or p["version"]) for p in json.loads(done.stdout)["problems"]}
    assert ("rewound", newest) in found
    assert any(p == "deleted" for p, _ in found)


@pytest.mark.parametrize("object_", ["bpt_checkpoints_append_only"])
def test_pg_a_dropped_checkpoint_guard_is_reported(protected_pg, bpt, object_):  # noqa: F811
    admin_url, _, _ = protected_pg
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP TRIGGER {object_} ON bpt_checkpoints")
    done = bpt("verify", db=admin_url)
    assert done.returncode == 1 and f"问题：数据库防护｜{object_}：" in done.stdout
