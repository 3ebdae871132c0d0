"""Record one payment end to end on PostgreSQL: command → event → views current.

Baseline: one INSERT + COMMIT with psycopg of a row the size of a stored event, into a plain
table of the same database.
"""

from __future__ import annotations

import time
from decimal import Decimal

from bench.data import OPERATOR, YEAR, funded_projects, payment_date
from bench.measure import missing, optional, percentile
from bench.runner import Context, Result
from bpt.projections.store.service import Bpt

NAME = "record_payment"
TITLE = "record one payment end to end (command → event → views current), PostgreSQL, p50/p99"
PROJECTS = 20  # payments go round-robin over these, as several officers' would
WARMUP = 20


def _bpt_latencies(bpt: Bpt, codes: list[str], n: int, catch_up) -> tuple[list[float], list[float], float]:
    """End-to-end latencies, the part of each spent in ``pay``, and this process's CPU seconds
    per payment (the rest of the wall time is waiting for PostgreSQL)."""
    latencies, paying = [], []
    for i in range(-WARMUP, n):
        if i == 0:
            cpu = time.process_time()
        started = time.perf_counter()
        bpt.app.pay(codes[i % len(codes)], YEAR, Decimal("1234.56"), voucher=f"R{i + WARMUP:07d}",
                    on=payment_date(i), operator=OPERATOR)
        paid = time.perf_counter()
        if catch_up:
            catch_up(bpt)
        if i >= 0:
            latencies.append(time.perf_counter() - started)
            paying.append(paid - started)
    return latencies, paying, (time.process_time() - cpu) / n


def _insert_latencies(bpt: Bpt, n: int) -> list[float]:
    """One INSERT + COMMIT per row, on its own connection; the row is as large as a Paid event's."""
    with bpt.db.connect_pg() as conn:
        state = conn.execute("SELECT state FROM bpt_events ORDER BY notification_id DESC LIMIT 1").fetchone()[0]
        conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, originator_id uuid, "
                     "originator_version int, topic text, state bytea)")
        conn.commit()
        latencies = []
        for i in range(-WARMUP, n):
            started = time.perf_counter()
            conn.execute("INSERT INTO bench_insert (originator_id, originator_version, topic, state) "
                         "VALUES (gen_random_uuid(), %s, %s, %s)", (i, "bpt.domain.project:ProjectYear.Paid", state))
            conn.commit()
            if i >= 0:
                latencies.append(time.perf_counter() - started)
    return latencies


def run(ctx: Context) -> list[Result]:
    n = ctx.sizes.recordings
    bpt = Bpt(ctx.fresh_database("postgres"))
    try:
        codes = funded_projects(bpt.app, "D9", PROJECTS)
        catch_up = optional("bpt.projections.views.runner", "catch_up")
        if catch_up:
            catch_up(bpt)
        ours, paying, cpu = _bpt_latencies(bpt, codes, n, catch_up)
        base = _insert_latencies(bpt, n)
    finally:
        bpt.close()
    what = "pay + catch_up" if catch_up else "pay only (" + missing("bpt.projections.views.runner.catch_up") + ")"
    label = "INSERT+COMMIT"
    p99 = percentile(ours, 99) * 1000
    throughput, base_throughput = len(ours) / sum(ours), len(base) / sum(base)
    split = (f"pay p50 {percentile(paying, 50) * 1000:.2f} ms of it; client CPU {cpu * 1000:.2f} ms per payment "
             "(the rest is waiting for PostgreSQL)")
    return [
        Result(NAME, f"p50 latency, {what}", percentile(ours, 50) * 1000, "ms",
               percentile(base, 50) * 1000, label, note=f"{n} payments over {PROJECTS} projects"),
        Result(NAME, f"p99 latency, {what}", p99, "ms", percentile(base, 99) * 1000, label,
               target="p99 < 50 ms", met=(p99 < 50) if catch_up else None, note=split),
        Result(NAME, f"throughput, {what} (one writer)", throughput, "/s", base_throughput, label,
               target="≥ 0.3× baseline", met=(throughput >= 0.3 * base_throughput) if catch_up else None,
               note="one writer, sequential"),
    ]
