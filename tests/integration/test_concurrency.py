"""8 processes record 200 payments each on the same project: none lost, none twice."""

import multiprocessing as mp
from datetime import date
from decimal import Decimal

from bpt.domain.project import ProjectYear
from bpt.projections.store.database import Database

WRITERS, PAYMENTS = 8, 200


def _writer(url: str, n: int, results) -> None:
    app = Database(url).open_app()
    ok = 0
    for i in range(PAYMENTS):
        app.pay("P01", 2021, Decimal("1.01"), voucher=f"w{n}-{i}", on=date(2021, 5, 1), operator=f"writer{n}")
        ok += 1
    results.put((n, ok))
    app.close()


def test_concurrent_payments_lose_nothing_and_record_nothing_twice(app, db_url):
    app.add_department(2021, "D01", "部门", operator="t", on=date(2021, 1, 1))
    app.add_project("D01", 2021, "P01", "项目", operator="t", on=date(2021, 1, 1))
    app.approve("P01", 2021, Decimal("1000000"), doc="d", on=date(2021, 1, 2), operator="t")
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db_url, n, results)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    acknowledged = dict(results.get(timeout=600) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sum(acknowledged.values()) == WRITERS * PAYMENTS

    project = app.project(2021, "P01")
    vouchers = [e.voucher for e in app.events.get(project.id) if isinstance(e, ProjectYear.Paid)]
    assert len(vouchers) == WRITERS * PAYMENTS
    assert len(set(vouchers)) == len(vouchers)
    assert project.figures()["executed"] == Decimal("1.01") * WRITERS * PAYMENTS
