"""PostgreSQL crashed three times under six writers and the live projector (``python3 run.py
soak``; the normal suite crashes it once under three writers)."""

from tests.integration.test_robust_pg_restart import run_crash_load


def test_three_crashes_under_six_writers():
    counts = run_crash_load(writers=6, crashes=3)
    assert counts["lost"] == counts["duplicates"] == 0
    assert counts["found in the log"] == counts["acknowledged"]
