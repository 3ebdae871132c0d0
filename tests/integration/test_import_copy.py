"""Bulk saves on PostgreSQL go through one binary COPY (bpt.projections.imports.pgcopy): the rows must
be what the library itself would store, in order, announced to live listeners, and refused whole
on a conflicting version, as the library's own insert is."""

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from bpt.domain.ledger import project_id
from bpt.domain.values import CURRENT, Target
from bpt.projections.imports.batch import save_together
from bpt.projections.audit.integrity import check_chains
from bpt.projections.store.service import Bpt
from tests.conftest import initialised

Y = 2021
OP = "导入员"


@pytest.fixture
def handle(pg_url):
    bpt = initialised(pg_url)
    bpt.app.add_department(Y, "D1", "部门", operator=OP, on=date(Y, 1, 1))
    for code in ("P1", "P2"):
        bpt.app.add_project("D1", Y, code, f"项目{code}", operator=OP, on=date(Y, 1, 1))
    yield bpt
    bpt.close()


def changed_projects(bpt: Bpt) -> list:
    """Two projects with events of several shapes pending: amounts, dates, a nested target, a None."""
    p1, p2 = bpt.app.project(Y, "P1"), bpt.app.project(Y, "P2")
    p1.approve(Decimal("1000.00"), CURRENT, "财预〔2021〕1号", date(Y, 1, 4), OP)
    p1.pay(Decimal("12.34"), CURRENT, "V1", date(Y, 2, 1), OP, "含\t制表符与“引号”")
    p1.declare_indicator("产出指标", "数量指标", "培训人次", Target.parse("≥100人次"), "人次", Decimal("10"),
                         date(Y, 1, 5), OP)
    p1.raise_warning(date(Y, 6, 30), "黄色", None, Decimal("0.5"), OP)
    p2.approve(Decimal("50.00"), CURRENT, "财预〔2021〕2号", date(Y, 1, 4), OP)
    return [p1, p2]


def test_copied_rows_are_what_the_library_would_store(handle):
    app = handle.app
    projects = changed_projects(handle)
    pending = [e for p in projects for e in p.pending_events]
    states = [app.mapper.to_stored_event(e).state for e in pending]
    head = app.recorder.max_notification_id()

    assert save_together(app, projects) == len(pending) == 5

    rows = app.recorder.select_notifications(head + 1, 100)
    assert [r.id for r in rows] == list(range(head + 1, head + 6))  # in save order, no gap
    assert [(r.originator_id, r.originator_version) for r in rows] == [(e.originator_id, e.originator_version)
                                                                      for e in pending]
    assert [r.state for r in rows] == states
    stored = list(app.events.get(project_id(Y, "P1"))) + list(app.events.get(project_id(Y, "P2")))
    assert [e for e in stored if e.originator_version > 1] == pending
    assert check_chains(handle) == []


def test_a_live_listener_is_notified_of_a_bulk_save(handle):
    app = handle.app
    with psycopg.connect(handle.db.url, autocommit=True) as listener:
        listener.execute(f'LISTEN "{app.recorder.channel_name}"')
        save_together(app, changed_projects(handle))
        assert len(list(listener.notifies(timeout=10, stop_after=1))) == 1


def test_a_conflicting_version_records_nothing(handle):
    app = handle.app
    stale = app.project(Y, "P2")
    save_together(app, changed_projects(handle))
    head = app.recorder.max_notification_id()
    stale.approve(Decimal("1.00"), CURRENT, "财预〔2021〕3号", date(Y, 1, 4), OP)  # version 2 exists already
    other = app.project(Y, "P1")
    other.pay(Decimal("1.00"), CURRENT, "V2", date(Y, 2, 2), OP)

    with pytest.raises(IntegrityError):
        save_together(app, [other, stale])
    assert app.recorder.max_notification_id() == head
    assert "V2" not in app.project(Y, "P1").payments
