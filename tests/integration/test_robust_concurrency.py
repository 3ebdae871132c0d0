"""Concurrent writers: 8 processes send mixed commands on overlapping projects (issue 8).

Every command carries a unique marker (voucher, 文号, reason or indicator text), so the log
can be searched for it afterwards: each acknowledged command must be there exactly once,
each refused one not at all, and the projects' figures must equal what the acknowledged
commands add up to. tests/soak/test_soak_concurrency.py runs the same load at 8 × 1,000.
"""

from __future__ import annotations

import multiprocessing as mp
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from bpt.domain.figures import fold
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.values import CURRENT, Target
from bpt.projections.store.database import Database
from bpt.projections.audit.integrity import check_chains
from bpt.projections.views.runner import catch_up, positions, rebuild
from bpt.projections.schema import init_database
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql
from bpt.projections.views import VIEWS

Y = 2021
PROJECTS = [f"P{k:02d}" for k in range(1, 7)]
BUDGET = Decimal("500000")
WRITERS, COMMANDS = 8, 150


@dataclass(frozen=True)
class Sent:
    """One command as the writer saw it: ``acknowledged`` False means refused."""

    kind: str  # pay | increase | decrease | transfer | reverse | record
    marker: str
    project: str
    other: str | None  # transfer target
    amount: Decimal
    acknowledged: bool = False
    refusal: str = ""  # the refused field, e.g. 金额, 凭证号, 并发 (retries exhausted)


def setup_ledger(url: str) -> None:
    init_database(Database(url))
    app = Database(url).open_app()
    app.add_department(Y, "D01", "市直工委", operator="setup", on=date(Y, 1, 1))
    for code in PROJECTS:
        app.add_project("D01", Y, code, f"项目{code}", operator="setup", on=date(Y, 1, 1))
        app.approve(code, Y, BUDGET, doc=f"批复-{code}", on=date(Y, 1, 5), operator="setup")
        app.add_indicator(code, Y, level1="产出指标", level2="数量指标", name="活动次数", target=Target.parse(">=100"),
                          unit="次", weight=Decimal(10), operator="setup", on=date(Y, 1, 5))
    app.close()


def _choose(app, rng: random.Random, n: int, i: int, mine: list[tuple[str, str]]):
    """One random command: (a call that sends it, what it is)."""
    marker, op = f"w{n}-{i}", f"writer{n}"
    project, other = rng.sample(PROJECTS, 2)
    on = date(Y, rng.randint(2, 12), rng.randint(1, 28))
    amount = Decimal(rng.randint(100, 50_000)) / 100  # 1.00 … 500.00 元
    kind = rng.choices(["pay", "increase", "decrease", "transfer", "reverse", "record", "overdraw", "again"],
                       [30, 10, 10, 15, 10, 15, 5, 5])[0]
    if kind in ("reverse", "again") and not mine:
        kind = "pay"
    if kind == "pay":
        return lambda: app.pay(project, Y, amount, voucher=marker, on=on, operator=op), \
            Sent("pay", marker, project, None, amount)
    if kind in ("increase", "decrease"):
        signed = amount if kind == "increase" else -amount
        return lambda: app.adjust(project, Y, signed, doc=marker, on=on, reason="调整", operator=op), \
            Sent(kind, marker, project, None, amount)
    if kind in ("transfer", "overdraw"):  # an overdraw is always refused and must record nothing
        amount = amount if kind == "transfer" else BUDGET * 10
        return lambda: app.transfer(project, other, Y, amount, doc=marker, on=on, reason="调剂", operator=op), \
            Sent("transfer", marker, project, other, amount)
    if kind == "reverse":
        project, voucher, paid = mine.pop(rng.randrange(len(mine)))
        return lambda: app.reverse(project, Y, voucher=voucher, reason=marker, on=on, operator=op), \
            Sent("reverse", marker, project, None, paid)
    if kind == "again":  # a voucher already used: always refused
        project, voucher, paid = rng.choice(mine)
        return lambda: app.pay(project, Y, amount, voucher=voucher, on=on, operator=op), \
            Sent("pay-again", voucher, project, None, amount)
    value = Decimal(i)
    return lambda: app.record_actual(project, Y, "I01", value=value, text=marker, on=on, operator=op), \
        Sent("record", marker, project, None, value)


def _writer(url: str, n: int, count: int, results) -> None:
    """Send ``count`` mixed commands; report each one's fate (any other exception fails the test)."""
    app = Database(url).open_app()
    rng = random.Random(n)
    mine: list[tuple[str, str, Decimal]] = []  # my payments not yet reversed
    sent: list[Sent] = []
    for i in range(count):
        command, what = _choose(app, rng, n, i, mine)
        try:
            command()
        except Refusal as refusal:
            sent.append(replace(what, refusal=refusal.field))
            continue
        sent.append(replace(what, acknowledged=True))
        if what.kind == "pay":
            mine.append((what.project, what.marker, what.amount))
    results.put((n, sent))
    app.close()


def run_mixed_load(url: str, writers: int = WRITERS, commands: int = COMMANDS) -> dict:
    """Set up, run ``writers`` × ``commands`` in parallel processes, check everything; return counts."""
    setup_ledger(url)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, n, commands, results)) for n in range(writers)]
    for p in procs:
        p.start()
    sent: list[Sent] = []
    for _ in procs:
        sent += results.get(timeout=1800)[1]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    bpt = Bpt(url)
    try:
        counts = check_log(bpt, sent)
        check_figures(bpt, sent)
        assert check_chains(bpt) == []
        assert_views_equal_rebuild(bpt)
    finally:
        bpt.close()
    print(f"\n[robust] {url.split('@')[-1]}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def view_rows(bpt: Bpt) -> dict[str, list[tuple]]:
    with Sql(bpt.db) as sql:
        names = [getattr(t, "name", t) for v in VIEWS.values() for t in v.tables]
        return {name: sorted(sql.rows(f"SELECT * FROM {name}"), key=repr) for name in names}


def assert_views_equal_rebuild(bpt: Bpt) -> None:
    """The views, caught up, are at the head of the log and equal a rebuild from zero."""
    catch_up(bpt)
    head = bpt.app.recorder.max_notification_id()
    assert {name: at for name, (at, _) in positions(bpt).items()} == dict.fromkeys(VIEWS, head)
    live = view_rows(bpt)
    assert any(live.values())
    rebuild(bpt)
    rebuilt = view_rows(bpt)
    differing = {t: {"live only": [r for r in live[t] if r not in rebuilt[t]][:5],
                     "rebuild only": [r for r in rebuilt[t] if r not in live[t]][:5]}
                 for t in live if live[t] != rebuilt[t]}
    assert not differing, differing


def _signatures(event) -> list[tuple[str, str]]:
    """The (kind, marker) each stored event proves."""
    match type(event):
        case ProjectYear.Paid:
            return [("pay", event.voucher)]
        case ProjectYear.Increased:
            return [("increase", event.doc)]
        case ProjectYear.Decreased:
            return [("decrease", event.doc)]
        case ProjectYear.TransferredOut:
            return [("transfer-out", event.doc)]
        case ProjectYear.TransferredIn:
            return [("transfer-in", event.doc)]
        case ProjectYear.PaymentReversed:
            return [("reverse", event.reason)]
        case ProjectYear.ActualRecorded:
            return [("record", event.text)]
    return []


def _expected(s: Sent) -> list[tuple[str, str]]:
    if s.kind == "transfer":
        return [("transfer-out", s.marker), ("transfer-in", s.marker)]
    return [("pay" if s.kind == "pay-again" else s.kind, s.marker)]


def check_log(bpt: Bpt, sent: list[Sent]) -> dict:
    """Every acknowledged command in the log exactly once; refused ones not at all."""
    app = bpt.app
    found: Counter = Counter()
    start = 0
    while batch := app.recorder.select_notifications(start, 1000, inclusive_of_start=False):
        for row in batch:
            found.update(s for s in _signatures(app.mapper.to_domain_event(row)) if s[1].startswith("w"))
        start = batch[-1].id
    acknowledged = [s for s in sent if s.acknowledged]
    refused = [s for s in sent if not s.acknowledged and s.kind != "pay-again"]
    lost = [s for s in acknowledged if s.kind != "pay-again" and any(found[e] == 0 for e in _expected(s))]
    phantom = [s for s in refused if any(found[e] for e in _expected(s))]
    duplicates = [k for k, v in found.items() if v > 1]
    in_log = sum(1 for s in acknowledged if all(found[e] == 1 for e in _expected(s)))
    counts = {"sent": len(sent), "acknowledged": len(acknowledged), "refused": len(sent) - len(acknowledged),
              "found in the log": in_log, "duplicates": len(duplicates), "lost": len(lost),
              "refused but recorded": len(phantom),
              "gave up on conflicts": sum(1 for s in sent if s.refusal == "并发")}
    assert [s for s in sent if s.kind == "pay-again" and s.acknowledged] == [], "a reused voucher was accepted"
    assert (lost, phantom, duplicates) == ([], [], []), counts
    assert in_log == len(acknowledged)
    assert sum(found.values()) == sum(len(_expected(s)) for s in acknowledged)  # nothing unexplained either
    return counts


def check_figures(bpt: Bpt, sent: list[Sent]) -> None:
    """The stored figures are exactly the sum of the acknowledged commands, and every invariant holds."""
    expect = {code: Counter() for code in PROJECTS}
    for s in (s for s in sent if s.acknowledged):
        match s.kind:
            case "pay":
                expect[s.project]["executed"] += s.amount
            case "reverse":
                expect[s.project]["executed"] -= s.amount
            case "increase":
                expect[s.project]["increases"] += s.amount
            case "decrease":
                expect[s.project]["decreases"] += s.amount
            case "transfer":
                expect[s.project]["transfers_out"] += s.amount
                expect[s.other]["transfers_in"] += s.amount
    for code in PROJECTS:
        project = bpt.app.project(Y, code)
        figures = project.figures()
        assert figures == fold(bpt.app.events.get(project.id))
        for line, amount in expect[code].items():
            assert figures[line] == amount, (code, line)
        assert figures["adjusted_budget"] == (BUDGET + figures["increases"] - figures["decreases"]
                                              + figures["transfers_in"] - figures["transfers_out"])
        assert project.available(CURRENT) >= 0 and project.budget(CURRENT) >= 0
        assert figures["executed"] <= figures["adjusted_budget"]
        assert all(not p["reversed"] or p["amount"] > 0 for p in project.payments.values())


def test_eight_writers_lose_nothing_double_nothing_and_break_no_invariant(db_url):
    counts = run_mixed_load(db_url)
    assert counts["sent"] == WRITERS * COMMANDS
    assert counts["duplicates"] == counts["lost"] == counts["refused but recorded"] == 0
    assert counts["found in the log"] == counts["acknowledged"] > WRITERS * COMMANDS * 0.8
    assert counts["refused"] > 0  # the overdraws and reused vouchers were exercised
