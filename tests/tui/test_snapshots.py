"""How the screens look at 80×24, compared with the accepted SVG snapshots (tests/tui/__snapshots__).

Deterministic: fixed data and as-of date, recording times from a frozen clock shown in a fixed
time zone, no clock in the UI, no live polling, the focus never on a blinking text cursor.
Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from itertools import count

import eventsourcing.domain
import pytest

from bpt.projections.schema import init_database
from bpt.projections.store.service import Bpt
from tests.tui.conftest import make_app, record_year

SIZE = (80, 24)


@pytest.fixture
def frozen_db(tmp_path, monkeypatch) -> str:
    """The fixed year, recorded one minute apart from 2022-01-05 09:00 Beijing time."""
    start = datetime(2022, 1, 5, 1, 0, tzinfo=timezone.utc)
    minutes = count()
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo",
                        lambda: start + timedelta(minutes=next(minutes)))
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    url = str(tmp_path / "frozen.db")
    bpt = Bpt(url)
    init_database(bpt.db)
    record_year(bpt.app)
    bpt.close()
    yield url
    monkeypatch.undo()
    time.tzset()


def test_overview(snap_compare, frozen_db):
    assert snap_compare(make_app(frozen_db), terminal_size=SIZE)


def test_detail(snap_compare, frozen_db):
    assert snap_compare(make_app(frozen_db), press=["enter"], terminal_size=SIZE)


def test_adjust_form_with_a_refused_amount(snap_compare, frozen_db):
    # Type a bad amount, then leave the focus on the 资金来源 select (no blinking cursor).
    assert snap_compare(make_app(frozen_db), press=["a", "tab", "1", "e", "5", "tab", "tab", "tab", "tab"],
                        terminal_size=SIZE)
