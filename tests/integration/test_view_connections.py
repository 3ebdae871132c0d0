"""A ``Bpt`` handle keeps its connections to the views (issue 7): reused, never shared by two
threads at once, replaced when the server has closed them, closed with the handle."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from bpt.projections.views.queries import project_rows
from bpt.projections.views.runner import catch_up
from bpt.projections.store.service import Bpt
from bpt.projections.views import TRACKING
from tests.seed000 import OPERATOR, YEAR, open_seeded
from tests.services import pg_admin_url


@pytest.fixture
def seeded(db_url):
    bpt = open_seeded(db_url, explain=False)
    yield bpt
    bpt.close()


def executed(bpt: Bpt, code: str) -> str:
    return next(r["executed"] for r in project_rows(bpt, YEAR, None) if r["project"] == code)


def pay(bpt: Bpt, voucher: str) -> None:
    bpt.app.pay("P01", YEAR, Decimal("100.00"), voucher=voucher, on=date(YEAR, 11, 2), operator=OPERATOR)


def test_one_connection_serves_the_catch_ups_and_queries_of_a_thread(seeded):
    catch_up(seeded)
    with seeded.views() as first:
        pass
    before = executed(seeded, "P01")
    pay(seeded, "连接-1")
    assert Decimal(executed(seeded, "P01")) == Decimal(before) + 100  # read-your-writes, same connection
    with seeded.views() as again:
        assert again is first


def test_threads_using_one_handle_at_once_get_connections_of_their_own(seeded):
    inside, release = threading.Event(), threading.Event()
    held: list = []

    def hold() -> None:
        with seeded.views() as sql:
            held.append(sql)
            inside.set()
            release.wait(timeout=60)
            sql.rows(f"SELECT name FROM {TRACKING}")  # still this thread's alone

    worker = threading.Thread(target=hold)
    worker.start()
    assert inside.wait(timeout=60)
    with seeded.views() as mine:
        assert mine is not held[0]
        pay(seeded, "连接-2")
        catch_up(seeded)  # a nested use in this thread takes a third connection, never the worker's
    release.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert executed(seeded, "P01")


def test_a_failed_transaction_is_rolled_back_and_its_connection_reused(seeded):
    catch_up(seeded)
    with seeded.views() as sql:
        with pytest.raises(ZeroDivisionError), sql.transaction():
            sql.run(f"UPDATE {TRACKING} SET position = 0")
            1 / 0  # noqa: B018 - anything failing inside the transaction
        kept = sql
    with seeded.views() as sql:
        assert sql is kept
        assert {position for (position,) in sql.rows(f"SELECT position FROM {TRACKING}")} != {0}


def test_a_connection_the_server_closed_is_replaced_without_an_error(pg_url):
    bpt = open_seeded(pg_url, explain=False)
    try:
        before = executed(bpt, "P01")
        with bpt.views() as sql:
            ((pid,),) = sql.rows("SELECT pg_backend_pid()")
        # As a server restart or an idle timeout would: the kept connection's backend is gone.
        with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s, 30000)", (pid,)).fetchone() == (True,)
        pay(bpt, "连接-3")
        assert Decimal(executed(bpt, "P01")) == Decimal(before) + 100
        with bpt.views() as sql:
            assert sql.rows("SELECT pg_backend_pid()") != [(pid,)]
    finally:
        bpt.close()


def test_closing_the_handle_closes_its_connections(db_url):
    bpt = open_seeded(db_url, explain=False)
    executed(bpt, "P01")
    with bpt.views() as sql:
        pass
    bpt.close()
    with pytest.raises((psycopg.OperationalError, sqlite3.ProgrammingError)):
        sql.rows(f"SELECT name FROM {TRACKING}")
