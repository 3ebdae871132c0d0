"""Bulk import of a payments file into PostgreSQL, against COPY of the same rows into a plain table.

The import runs in a child process (``bench.child``): its peak RSS is its own, and a hang of
the PostgreSQL insert (psycopg pipeline deadlock, see bench/child.py) is reported, not waited on.
"""

from __future__ import annotations

import csv
import os

from bench.child import Deadlocked, run_child
from bench.data import funded_projects, payment_date
from bench.measure import Stopwatch, missing, optional
from bench.runner import Context, Result
from bpt.domain.values import CURRENT
from bpt.projections.store.database import Database
from bpt.projections.store.service import Bpt

NAME = "bulk_import"
TITLE = "bulk import of payments (bpt import payments), PostgreSQL, vs COPY"
PROJECTS = 200
COLUMNS = ("项目编号", "凭证号", "日期", "金额", "资金来源", "摘要")
TARGET = 25_000  # events/s


def write_payments_csv(path: str, codes: list[str], rows: int) -> None:
    """The 支出台账 layout of ``bpt import payments``: one payment a row, vouchers unique."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for i in range(rows):
            out.writerow((codes[i % len(codes)], f"B{i:08d}", payment_date(i // len(codes)).isoformat(),
                          f"{100 + i % 9000}.{i % 100:02d}", CURRENT, f"基准支出{i}"))


def copy_seconds(db: Database, path: str) -> float:
    """COPY the same file into a plain table, committed: what the engine itself takes for the rows."""
    with db.connect_pg() as conn:
        conn.execute("CREATE TABLE bench_copy (project text, voucher text, day date, amount numeric(18, 2), "
                      "source text, note text)")
        conn.commit()
        with Stopwatch() as sw, open(path, "rb") as f, conn.cursor() as cur:
            with cur.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
        conn.execute("DROP TABLE bench_copy")
        conn.commit()
    return sw.seconds


def run(ctx: Context) -> list[Result]:
    rows = ctx.sizes.import_rows
    case = f"{rows:,} payments, {PROJECTS} projects"
    target = f"≥ {TARGET:,} events/s"
    db = Database(ctx.fresh_database("postgres"))
    bpt = Bpt(db)
    try:
        codes = funded_projects(bpt.app, "D8", PROJECTS)
    finally:
        bpt.close()
    path = os.path.join(ctx.workdir, "payments.csv")
    write_payments_csv(path, codes, rows)
    try:
        copy_rate = rows / copy_seconds(db, path)
        if optional("bpt.projections.imports", "import_file") is None:
            return [Result(NAME, case, None, "events/s", copy_rate, "COPY rows/s", target=target,
                           note=missing("bpt.projections.imports.import_file"))]
        try:
            outcome, rss = run_child("import", db.url, path, db=db)
        except Deadlocked as hang:
            return [Result(NAME, case, None, "events/s", copy_rate, "COPY rows/s", target=target, met=False,
                           note=f"HUNG: {hang}")]
        rate = outcome["applied"] / outcome["seconds"]
        note = f"{outcome['applied']:,} events in {outcome['seconds']:.1f} s, child peak RSS {rss:,.0f} MB"
        if outcome["applied"] != rows:
            note += f"; EXPECTED {rows:,} events"
        return [Result(NAME, case, rate, "events/s", copy_rate, "COPY rows/s", target=target,
                       met=rate >= TARGET and outcome["applied"] == rows, note=note)]
    finally:
        os.remove(path)

