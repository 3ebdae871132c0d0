"""SIGKILL a projection process at random points of a catch-up of ≥ 20,000 events, restart it,
and find the views exactly equal to a rebuild — 10 rounds in a row, on SQLite and PostgreSQL.

The events are built once per engine through the domain (aggregates in memory, saved in large
batches: every event passes the same checks as a command). ``record_year`` is reused by the
soak variant (tests/soak/test_projections_kill_soak.py).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, builtin_rubric
from bpt.domain.values import BASIC_SPENDING, CARRIED, CURRENT, PROJECT_SPENDING, Target
from bpt.projections.store.database import Database
from bpt.projections.views.runner import catch_up, positions, rebuild, reset
from bpt.projections.schema import init_database
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql
from bpt.projections.views import TRACKING, VIEWS
from tests.conftest import REPO
from tests.services import temporary_pg_database

OP = "生成器"
RUBRIC = builtin_rubric(DEFAULT_PROJECT_RUBRIC)


def record_year(app, year: int, departments: int, projects: int, events: int, seed: int = 0) -> int:
    """About ``events`` valid events of every kind, interleaved over the projects, saved in batches."""
    rng = random.Random(seed)
    jan = date(year, 1, 1)
    codes = []
    for d in range(departments):
        dept = f"D{d:02d}"
        app.add_department(year, dept, f"部门{d}", staff_quota=30, staff_actual=28, operator=OP, on=jan)
        for p in range(projects):
            code = f"{dept}P{p:03d}"
            app.add_project(dept, year, code, f"项目{code}", kind=BASIC_SPENDING if p == 0 else PROJECT_SPENDING,
                            operator=OP, on=jan)
            codes.append(code)
    aggs = {c: app.project(year, c) for c in codes}
    for p in aggs.values():
        p.approve(Decimal(rng.randrange(100_000, 5_000_000)), CURRENT, "财预〔1〕号", jan, OP)
        p.approve(Decimal(rng.randrange(1_000, 50_000)), CARRIED, "结转〔1〕号", jan, OP)
        p.declare_indicator("产出指标", "数量指标", "次数", Target.parse(">=10"), "次", Decimal(50), jan, OP)
        p.declare_indicator("效益指标", "社会效益指标", "效果", Target.parse("良好"), "", Decimal(30), jan, OP)
        p.declare_indicator("满意度指标", "服务对象满意度指标", "满意度", Target.parse(">=90%"), "%", Decimal(10), jan, OP)
    app.save(*aggs.values())
    made, dirty, voucher = 0, set(), 0
    while made < events - 5 * len(codes):
        code = rng.choice(codes)
        p, day, k = aggs[code], jan + timedelta(days=rng.randrange(365)), rng.random()
        try:
            if k < 0.68:
                voucher += 1
                p.pay(Decimal(rng.randrange(1, 200_000)) / 100, rng.choice((CURRENT, CURRENT, CARRIED)), f"V{voucher}",
                      day, OP)
            elif k < 0.73 and p.payments:
                p.reverse(rng.choice(list(p.payments)), day, "更正", OP)
            elif k < 0.80:
                p.adjust((Decimal(rng.randrange(-500_000, 500_000)) / 100) or Decimal(1), CURRENT, f"调{made}", day,
                         "调整", OP)
            elif k < 0.86:
                other = aggs[rng.choice(codes)]
                if other is p:
                    continue
                amount = Decimal(rng.randrange(1, 100_000)) / 100
                p.transfer_out(amount, CURRENT, f"剂{made}", day, "调剂", other.code, OP)
                other.transfer_in(amount, CURRENT, f"剂{made}", day, "调剂", p.code, OP)
                dirty.add(other.code)
                made += 1
            elif k < 0.93:
                p.record_actual("I01", Decimal(rng.randrange(0, 20)), "", day, OP)
            elif k < 0.97:
                grade, score = rng.choice((("达成", Decimal(27)), ("部分达成", Decimal(20))))
                p.assess("I02", grade, score, "评定", day, OP, RUBRIC)
            else:
                p.explain_deviation(rng.choice(("", "I01")), "偏差说明", day, OP)
        except Refusal:
            continue
        made += 1
        dirty.add(code)
        if made % 2000 == 0:
            app.save(*(aggs[c] for c in dirty))
            dirty = set()
    app.save(*(aggs[c] for c in dirty))
    return app.recorder.max_notification_id()


def dump(bpt: Bpt) -> dict[str, list[tuple]]:
    """Every row of every view table, in a stable order."""
    with Sql(bpt.db) as sql:
        return {table.name: sorted(sql.rows(f"SELECT * FROM {table.name}"), key=repr)
                for view in VIEWS.values() for table in view.tables}


def tracked(bpt: Bpt) -> dict[str, int]:
    with Sql(bpt.db) as sql:
        return dict(sql.rows(f"SELECT name, position FROM {TRACKING}"))


def spawn_runner(url: str, batch_size: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bpt.projections.views.runner", "--once", "--db", url,
                             "--batch-size", str(batch_size)], cwd=REPO, stdout=subprocess.PIPE, text=True)


def kill_rounds(url: str, rounds: int, kills_per_round: int, seed: int) -> list[int]:
    """Run the rounds; returns the tracked positions the killed processes left behind."""
    bpt = Bpt(url)
    rng = random.Random(seed)
    rebuild(bpt)
    expected, head = dump(bpt), positions(bpt)["execution"][1]
    # How long one uninterrupted batch of 200 events takes: kills are drawn within a batch.
    reset(bpt)
    child = spawn_runner(url, 200)
    assert child.stdout.readline().startswith("start")
    started = time.perf_counter()
    assert child.wait(timeout=300) == 0
    batch_span = (time.perf_counter() - started) * 200 / head
    assert dump(bpt) == expected
    left_at = []
    for _ in range(rounds):
        reset(bpt)
        for _ in range(kills_per_round):
            batch_size = rng.choice((200, 500, 1000))
            child = spawn_runner(url, batch_size)
            assert child.stdout.readline().startswith("start")
            remaining = head - tracked(bpt)["execution"]
            # The child prints a line after each committed batch: wait for a random number of
            # them (so the kill falls inside the catch-up whatever the machine's load), then a
            # random instant of the next batch — not a synchronisation, the point of the kill.
            # (none when an earlier kill came after the last commit: the child then prints no batch)
            for _ in range(rng.randrange(1, max(2, remaining // batch_size)) if remaining else 0):
                assert "/" in child.stdout.readline()
            time.sleep(rng.uniform(0, batch_span * batch_size / 200))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
            child.stdout.close()
            left_at.append(tracked(bpt)["execution"])
        catch_up(bpt, rng.choice((500, 2000)))  # the restart that finishes the job
        assert dump(bpt) == expected, "views after killed catch-ups differ from a rebuild"
        assert set(tracked(bpt).values()) == {head}
    bpt.close()
    return left_at


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def year_of_events(request, tmp_path_factory):
    """A database holding ≥ 20,000 events (built once per engine for this module)."""
    def build(url: str) -> str:
        db = Database(url)
        init_database(db)
        app = db.open_app()
        assert record_year(app, 2021, departments=3, projects=8, events=20_500, seed=7) >= 20_000
        app.close()
        return url

    if request.param == "sqlite":
        yield build(str(tmp_path_factory.mktemp("kill") / "bpt.db"))
    else:
        with temporary_pg_database() as url:
            yield build(url)


def test_killed_catch_ups_leave_views_equal_to_a_rebuild_ten_times(year_of_events):
    left_at = kill_rounds(year_of_events, rounds=10, kills_per_round=2, seed=3)
    bpt = Bpt(year_of_events)
    head = positions(bpt)["execution"][1]
    bpt.close()
    # The kills must have landed inside catch-ups, not only before or after them.
    assert sum(0 < p < head for p in left_at) >= 5, left_at
