"""What a database login can forge, and what verify then reports (issue 25), on the real PostgreSQL.

An app login (IN ROLE bpt_app) inserts events through the library, skipping the commands; a
superuser edits past the triggers. Every forgery must be a located finding of ``bpt verify``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import psycopg
import pytest

from bpt.domain.project import ProjectYear
from bpt.projections.audit.guards import check_guards, check_stamps
from bpt.projections.audit.history import history
from bpt.projections.audit.verify import verify
from bpt.projections.store.database import Database
from bpt.projections.store.security import protect_event_store
from bpt.projections.store.service import Bpt
from tests.integration.test_rule_replay import forge
from tests.integration.test_security import _refused, protected_pg  # noqa: F401 — a fixture
from tests.seed000 import YEAR, record_seed000

PAY = {"amount": Decimal("99999999.00"), "source": "当年财政拨款", "voucher": "记-9999", "note": "",
       "effective_date": date(YEAR, 6, 1)}


def _login(url: str) -> str:
    return url.split("//", 1)[1].split("@", 1)[0]


@pytest.fixture
def seeded_pg(protected_pg):  # noqa: F811
    """seed 000 recorded by an app login; yields (admin url, app url, reviewer url, app handle)."""
    admin_url, app_url, reviewer_url = protected_pg
    handle = Bpt(app_url)
    record_seed000(handle.app)
    yield admin_url, app_url, reviewer_url, handle
    handle.close()


def test_every_event_is_stamped_with_the_login_and_the_servers_clock(seeded_pg):
    admin_url, app_url, _, handle = seeded_pg
    with psycopg.connect(admin_url) as conn:
        server_now = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    rows = history(handle, YEAR)["events"]
    assert rows and {r["login"] for r in rows} == {_login(app_url)}
    for r in rows:
        at = datetime.fromisoformat(r["server_recorded_at"])
        assert at <= server_now and server_now - at < timedelta(minutes=5)
    assert history(handle, YEAR, login="someone_else")["events"] == []
    # The app login cannot write, change or remove a stamp.
    for statement in ("INSERT INTO bpt_event_stamps VALUES (999999, 'x', now())",
                      "UPDATE bpt_event_stamps SET login = 'x'", "DELETE FROM bpt_event_stamps",
                      "TRUNCATE bpt_event_stamps"):
        _refused(app_url, statement)
    assert check_guards(handle) == [] and check_stamps(handle) == []


def test_a_forged_backdated_overspend_by_an_app_login_is_located(seeded_pg):
    """The issue's probe: 99,999,999.00 元 on a 260,000 元 project, as 局长, back-dated."""
    _, app_url, _, handle = seeded_pg
    position = forge(handle, "P01", ProjectYear.Paid, **PAY, timestamp=datetime(YEAR, 6, 1, 9, tzinfo=timezone.utc))
    doc = verify(handle)
    assert not doc["ok"]
    at = [p for p in doc["problems"] if p.get("position") == position]
    assert {(p["check"], p["problem"]) for p in at} == {("rules", "rule"), ("stamps", "clock")}
    rule = next(p for p in at if p["check"] == "rules")
    assert rule["rule"] == "金额" and rule["key"] == f"{YEAR}/P01"
    row = next(r for r in history(handle, YEAR, project="P01")["events"] if r["position"] == position)
    assert row["operator"] == "局长" and row["login"] == _login(app_url)
    assert row["recorded_at"].startswith(f"{YEAR}-06-01") and not row["server_recorded_at"].startswith(f"{YEAR}")


def _superuser(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # triggers off: only a superuser may
        for statement in statements:
            conn.execute(statement)


def test_deleting_the_newest_event_is_reported_by_the_cli(seeded_pg, bpt):
    admin_url, _, _, handle = seeded_pg
    newest = handle.app.recorder.max_notification_id()
    _superuser(admin_url, f"DELETE FROM bpt_events WHERE notification_id = {newest}")
    done = bpt("verify", "--json", db=admin_url)
    assert done.returncode == 1
    [problem] = json.loads(done.stdout)["problems"]
    assert problem["check"] == "stamps" and problem["problem"] == "deleted" and problem["position"] == newest


def test_an_event_inserted_with_the_triggers_off_is_unstamped(seeded_pg):
    admin_url, _, _, handle = seeded_pg
    _superuser(admin_url, "INSERT INTO bpt_events (originator_id, originator_version, topic, state) "
                          "SELECT originator_id, originator_version + 1000, topic, state FROM bpt_events "
                          "ORDER BY notification_id DESC LIMIT 1")
    position = handle.app.recorder.max_notification_id()
    assert [(p["problem"], p["position"]) for p in check_stamps(handle)] == [("unstamped", position)]


@pytest.mark.parametrize("tamper, object_", [
    ("DROP TRIGGER bpt_events_append_only ON bpt_events", "bpt_events_append_only"),
    ("ALTER TABLE bpt_events DISABLE TRIGGER bpt_events_stamp", "bpt_events_stamp"),
    ("GRANT DELETE ON bpt_events TO bpt_app", "bpt_app:bpt_events"),
    ("GRANT INSERT ON bpt_event_stamps TO bpt_reviewer", "bpt_reviewer:bpt_event_stamps"),
])
def test_a_changed_guard_is_reported_by_the_cli(seeded_pg, bpt, tamper, object_):
    admin_url, _, _, _ = seeded_pg
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(tamper)
    done = bpt("verify", db=admin_url)
    assert done.returncode == 1
    assert f"问题：数据库防护｜{object_}：" in done.stdout
    protect_event_store(Database(admin_url))  # `bpt init` puts the guards back (a GRANT needs revoking by hand)
    if not tamper.startswith("GRANT"):
        assert bpt("verify", db=admin_url).returncode == 0


def test_explain_known_at_uses_the_servers_clock(seeded_pg, bpt):
    """An event whose own time claims the past does not enter what was known then."""
    admin_url, _, _, handle = seeded_pg
    with psycopg.connect(admin_url) as conn:
        before = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    forge(handle, "P02", ProjectYear.Paid, **{**PAY, "amount": Decimal("1000.00"), "voucher": "记-late"},
          timestamp=before - timedelta(days=1))
    shown = bpt("explain", "P02", "executed", "--year", str(YEAR), "--known-at", before.isoformat(), "--json",
                db=admin_url)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["known_at_clock"] == "server" and doc["value"] == "129000.00"
    assert all(e["login"] and e["server_recorded_at"] <= before.isoformat() for e in doc["events"])
