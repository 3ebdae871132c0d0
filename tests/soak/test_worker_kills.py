"""A worker SIGKILLed again and again at random moments of one long monitoring job, on the real
Redis and RabbitMQ (``python3 run.py soak``; the normal suite kills once, at a frozen point)."""

from __future__ import annotations

import random
import signal
import time
from decimal import Decimal

from tests.integration.test_monitor import JULY, YEAR, record_year, warnings_by_project
from tests.integration.test_worker_brokers import (_close_job_handles, job_row, real, start_worker,  # noqa: F401
                                                   stop_worker, wait_for, warnings_in_store)

PROJECTS, KILLS = 300, 10


def test_a_job_survives_repeated_worker_kills_without_duplicates(real, pg_url, tmp_path):  # noqa: F811
    codes = [f"P{i:03d}" for i in range(PROJECTS)]
    app = record_year(pg_url, dict.fromkeys(codes, Decimal(0)))
    chance = random.Random(20211231)

    def warned() -> int:
        return warnings_in_store(pg_url)

    def attempts() -> int:
        row = job_row(pg_url, message.message_id)
        return row["attempts"] if row else 0

    try:
        message = real.actors["monitor"].send(db=pg_url, year=YEAR, as_of=JULY, operator="作业")
        kills = 0
        for round_ in range(KILLS):
            started = attempts()
            worker = start_worker(real.env, tmp_path / f"worker{round_}.log")
            try:
                wait_for(lambda: attempts() > started, f"round {round_}: the job (re)delivered")
                base = warned()
                wait_for(lambda: warned() > base or warned() == PROJECTS, f"round {round_}: progress")
                time.sleep(chance.uniform(0, 0.3))  # not a wait: picks a random moment of the job to kill it
            finally:
                finished = warned() == PROJECTS
                stop_worker(worker, signal.SIGTERM if finished else signal.SIGKILL)
            kills += not finished
            if finished:
                break
        final = start_worker(real.env, tmp_path / "final.log")
        try:
            job = wait_for(lambda: (row := job_row(pg_url, message.message_id)) and row["state"] == "done" and row,
                           "the job to complete")
        finally:
            stop_worker(final)
        assert kills >= 3, "too few kills landed mid-job to mean anything"
        assert job["attempts"] == kills + 1  # each killed worker had started it, then the last one
        assert all(w == [(JULY, "red")] for w in warnings_by_project(app, codes).values())
    finally:
        app.close()
