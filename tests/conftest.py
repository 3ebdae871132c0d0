"""Shared fixtures: a fresh database on each storage, the application, and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bpt.projections.store.database import Database
from bpt.projections.schema import init_database
from bpt.projections.store.service import Bpt
from tests.services import temporary_pg_database

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return str(tmp_path / "bpt.db")


@pytest.fixture
def pg_url():
    with temporary_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """Each test using this runs once on SQLite and once on the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "bpt.db")
    else:
        with temporary_pg_database() as url:
            yield url


@pytest.fixture
def app(db_url):
    """An initialised BudgetApp on ``db_url`` (kept referenced: its destructor closes the pool)."""
    application = Database(db_url).open_app(create_table=True)
    yield application
    application.close()


def initialised(url: str) -> Bpt:
    """A handle on the database at ``url`` after ``bpt init`` (event store, views, roles)."""
    db = Database(url)
    init_database(db)
    return Bpt(db)


def run_bpt(*args: str, db: str | None = None, env: dict | None = None, input: str | None = None,
            cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    """Run the real ``bpt`` command line in a subprocess."""
    full_env = {**os.environ, "BPT_OPERATOR": "测试员", **(env or {})}
    if db is not None:
        full_env["BPT_DATABASE_URL"] = db
    return subprocess.run([sys.executable, "-m", "bpt.tui", *args], capture_output=True, text=True, env=full_env,
                          input=input, cwd=cwd or REPO, timeout=300)


@pytest.fixture
def bpt():
    return run_bpt
