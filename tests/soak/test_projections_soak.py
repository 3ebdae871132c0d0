"""Long variants of the projection tests (``python3 run.py soak``): many more random command
sequences, and SIGKILLs during a catch-up of 100,000 events, 30 rounds per engine."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpt.projections.store.database import Database
from bpt.projections.schema import init_database
from tests.integration.test_projections_kill import kill_rounds, record_year
from tests.integration.test_projections_property import HEALTH, commands, exercise, views_db  # noqa: F401
from tests.services import temporary_pg_database


@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(steps=st.lists(commands, min_size=5, max_size=120), as_of_day=st.integers(0, 364))
def test_live_views_equal_the_aggregates_and_a_rebuild_at_length(views_db, steps, as_of_day):  # noqa: F811
    exercise(views_db, steps, as_of_day, rebuild_batch=500)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_killed_catch_ups_of_100k_events(engine, tmp_path):
    def run(url: str) -> None:
        db = Database(url)
        init_database(db)
        app = db.open_app()
        head = record_year(app, 2021, departments=10, projects=20, events=100_000, seed=11)
        app.close()
        left_at = kill_rounds(url, rounds=30, kills_per_round=3, seed=5)
        assert sum(0 < p < head for p in left_at) >= 30, left_at

    if engine == "sqlite":
        run(str(tmp_path / "bpt.db"))
    else:
        with temporary_pg_database() as url:
            run(url)
