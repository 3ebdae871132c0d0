"""Live mode: a running projection picks up events recorded by other processes by itself —
through LISTEN/NOTIFY on PostgreSQL (the polling safety net is turned off to prove it), by
polling on SQLite — and the projection process stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal

import pytest

from bpt.projections.views import runner
from bpt.projections.store.service import Bpt
from tests.conftest import REPO
from tests.seed000 import OPERATOR, YEAR, open_seeded


def wait_for(condition, timeout: float) -> float:
    """Poll ``condition`` until it holds; returns the seconds it took (fails at the deadline)."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            pytest.fail(f"not within {timeout} s")
        time.sleep(0.01)
    return time.perf_counter() - started


@pytest.fixture
def seeded(db_url):
    bpt = open_seeded(db_url)
    runner.catch_up(bpt)
    yield bpt
    bpt.close()


def test_a_running_projection_picks_up_new_events_within_a_second(seeded, monkeypatch):
    if seeded.db.is_postgres:
        monkeypatch.setattr(runner, "PG_FALLBACK_POLL_S", 3600.0)  # only a NOTIFY can wake it up
    live, stop, applied = Bpt(seeded.db.url), threading.Event(), []
    thread = threading.Thread(target=runner.run_live, args=(live, stop, applied.append))
    thread.start()
    try:
        writer = seeded.app
        wait_for(lambda: runner.positions(live)["execution"][0] == writer.recorder.max_notification_id(), 10)
        delays = []
        for n in range(3):
            writer.pay("P02", YEAR, Decimal("100"), voucher=f"实时-{n}", on=date(YEAR, 12, 1), operator=OPERATOR)
            head = writer.recorder.max_notification_id()
            delays.append(wait_for(lambda: min(at for at, _ in runner.positions(live).values()) >= head, 10))
        assert statistics.median(delays) < 1.0, delays
        assert sum(applied) == 3
    finally:
        stop.set()
        thread.join(timeout=30)
        live.close()
    assert not thread.is_alive()


def test_the_projection_process_keeps_views_current_and_stops_on_sigterm(seeded):
    process = subprocess.Popen([sys.executable, "-m", "bpt.projections.views.runner", "--db", seeded.db.url], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("投影进程已启动")
        seeded.app.pay("P01", YEAR, Decimal("500"), voucher="进程-1", on=date(YEAR, 11, 1), operator=OPERATOR)
        head = seeded.app.recorder.max_notification_id()
        wait_for(lambda: min(at for at, _ in runner.positions(seeded).values()) >= head, 15)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "已应用 1 个事件" in out
