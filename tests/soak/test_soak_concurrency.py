"""The full concurrent-writers run of issue 8: 8 processes × 1,000 mixed commands, on SQLite
and PostgreSQL (``python3 run.py soak``; the normal suite runs 8 × 150)."""

from tests.integration.test_robust_concurrency import run_mixed_load

WRITERS, COMMANDS = 8, 1000


def test_eight_writers_times_a_thousand(db_url):
    counts = run_mixed_load(db_url, WRITERS, COMMANDS)
    assert counts["sent"] == WRITERS * COMMANDS
    assert counts["duplicates"] == counts["lost"] == counts["refused but recorded"] == 0
    assert counts["found in the log"] == counts["acknowledged"] > WRITERS * COMMANDS * 0.8
