"""The live projection process (``python -m bpt.projections.views.runner``) killed with SIGKILL, again
and again, while commands keep arriving (issue 8): no event applied twice, none skipped.

Each round starts the projector, records more commands, waits until the projector has
visibly moved, then kills it at a random moment. At the end a last projector catches up and
the views must equal a rebuild from zero and the aggregates' own figures.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

from bpt.domain.money import fmt_yuan
from bpt.projections.views.runner import positions
from bpt.projections.store.service import Bpt
from bpt.projections.views.status import status
from tests.conftest import REPO, initialised
from tests.integration.test_robust_concurrency import assert_views_equal_rebuild

Y, OP = 2021, "投影测试"
PROJECTS = ("P01", "P02", "P03")
BACKLOG, ROUNDS, PER_ROUND = 2000, 6, 25
DEADLINE = 180


def _projector(url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bpt.projections.views.runner", "--db", url, "--batch-size", "500"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _lowest_position(bpt: Bpt) -> int:
    return min(at for at, _ in positions(bpt).values())


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_live_projector_killed_repeatedly_applies_each_event_once(db_url):
    bpt = initialised(db_url)
    app = bpt.app
    app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    for code in PROJECTS:  # a backlog, saved in one go per project
        app.add_project("D01", Y, code, code, operator=OP, on=date(Y, 1, 1))
        app.approve(code, Y, Decimal("100000000"), doc="批复", on=date(Y, 1, 5), operator=OP)
        project = app.project(Y, code)
        for i in range(BACKLOG):
            project.pay(Decimal("1.01"), "当年财政拨款", f"B{i}", date(Y, 1 + i % 12, 1 + i % 28), OP)
        app.save(project)
    rng = random.Random(8)
    kills = 0
    for round_no in range(ROUNDS):
        before = _lowest_position(bpt)
        projector = _projector(db_url)
        try:
            for i in range(PER_ROUND):
                code, other = rng.sample(PROJECTS, 2)
                app.pay(code, Y, Decimal(rng.randint(1, 9999)) / 100, voucher=f"R{round_no}-{i}",
                        on=date(Y, rng.randint(1, 12), 1), operator=OP)
                if i % 5 == 0:
                    app.transfer(code, other, Y, Decimal("10.00"), doc=f"T{round_no}-{i}", on=date(Y, 6, 1),
                                 reason="调剂", operator=OP)
            _wait(lambda: _lowest_position(bpt) > before, "the projector to apply something")
            time.sleep(rng.uniform(0, 0.3))  # a random moment to kill it at, not a synchronisation
        finally:
            projector.send_signal(signal.SIGKILL)
            projector.wait(timeout=30)
            kills += 1
    last = _projector(db_url)
    try:
        head = app.recorder.max_notification_id()
        _wait(lambda: _lowest_position(bpt) == head, "the last projector to reach the head")
    finally:
        last.terminate()
        last.wait(timeout=30)
    print(f"\n[live projector] kills {kills}, events {head}")
    shown = {p["project"]: p["executed"] for p in status(bpt, Y, date(Y, 12, 31))["projects"]}
    assert shown == {code: fmt_yuan(app.project(Y, code).figures()["executed"]) for code in PROJECTS}
    assert_views_equal_rebuild(bpt)
    bpt.close()
