"""Synthetic data for scale: N departments × M projects × K events, deterministic for a seed.

The aggregates are built in memory with the domain's own commands (so every event passes the
same checks as a typed command and carries a valid hash chain) and saved many at a time, one
transaction per ~20,000 events, instead of one load-check-save per event. Codes carry the seed
(``S0D0001``, ``S0D0001P0001``), so runs with different seeds can share a database.

Per project: its registration, a 年初预算 in January, then (K − 2) events spread over the year in
date order: mostly payments, some 追加/调减, indicator declarations and actual values, and the
occasional reversal of an earlier payment. No payment or 调减 exceeds what is available.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from eventsourcing.application import AggregateNotFoundError

from bpt.domain.department import DepartmentYear, FiscalYear
from bpt.domain.ledger import Ledger, department_id, fiscal_year_id, project_id
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.values import BASIC_SPENDING, CURRENT, PROJECT_SPENDING, Target
from bpt.projections.imports.batch import save_together
from bpt.projections.store.service import Bpt

OPERATOR = "合成数据"
BATCH_EVENTS = 20_000
INDICATORS = (  # (level1, level2, name, target, unit, weight)
    ("产出指标", "数量指标", "完成事项数", ">=12", "项", Decimal(30)),
    ("产出指标", "成本指标", "总成本", "<=100万", "元", Decimal(20)),
    ("效益指标", "社会效益指标", "社会效益", "明显提升", "", Decimal(30)),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", ">=95%", "%", Decimal(10)),
)


def generate(bpt: Bpt, departments: int, projects: int, events_per_project: int, seed: int = 0, year: int = 2021,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """Record the synthetic year; returns counts (departments, projects, events, by event type)."""
    if departments < 1 or projects < 1:
        raise Refusal("规模", "部门数与每部门项目数至少为 1")
    if events_per_project < 2:
        raise Refusal("每个项目事件数", "至少为 2（项目登记与年初预算）")
    app = bpt.app
    rng = random.Random(seed)
    depts = [f"S{seed}D{d:04d}" for d in range(1, departments + 1)]
    if department_id(year, depts[0]) in app.repository:
        raise Refusal("合成数据", f"{year} 年度已有 seed={seed} 的合成数据（部门 {depts[0]}）；请换一个 seed")
    opened = date(year, 1, 1)
    total = departments * (2 + projects * (1 + events_per_project))  # + the fiscal year's creation, if new
    types: Counter = Counter()
    done = 0

    def flush(aggregates: list[Ledger]) -> None:
        nonlocal done
        for aggregate in aggregates:
            types.update(type(e).__qualname__.rsplit(".", 1)[-1] for e in aggregate.pending_events)
        done += save_together(app, aggregates)
        if progress:
            progress(done, total)

    # One writer for the whole run (SQLite's file lock; PostgreSQL relies on the versions).
    # Every batch is complete in itself: the fiscal year lists only departments it saves.
    with app.write_lock():
        try:
            fiscal_year = app.repository.get(fiscal_year_id(year))
        except AggregateNotFoundError:
            fiscal_year = FiscalYear.open(fiscal_year_id(year), year, OPERATOR, opened)
            total += 1
        batch: list[Ledger] = []
        for dept_code in depts:
            fiscal_year.register(dept_code, OPERATOR, opened)
            dept = DepartmentYear.register(department_id(year, dept_code), year=year, code=dept_code,
                                           name=f"合成部门 {dept_code}", staff_quota=30,
                                           staff_actual=rng.randint(20, 30), operator=OPERATOR, effective_date=opened)
            batch.append(dept)
            for p in range(1, projects + 1):
                code = f"{dept_code}P{p:04d}"
                kind = BASIC_SPENDING if p == projects and projects > 2 else PROJECT_SPENDING
                dept.add_project(code, kind, OPERATOR, opened)
                project = ProjectYear.register(project_id(year, code), year=year, dept=dept_code, code=code,
                                               name=f"合成项目 {code}", kind=kind, operator=OPERATOR,
                                               effective_date=opened)
                _fill(project, events_per_project - 1, rng)
                batch.append(project)
            if sum(len(a.pending_events) for a in batch) >= BATCH_EVENTS:
                flush([fiscal_year, *batch])
                batch.clear()
        flush([fiscal_year, *batch])
    return {"year": year, "seed": seed, "departments": departments, "projects": departments * projects,
            "events": done, "event_types": dict(types)}


def _fill(p: ProjectYear, count: int, rng: random.Random) -> None:
    """``count`` valid events after the registration: the approval first, the rest over the year."""
    year = p.year
    budget = Decimal(rng.randint(20, 500) * 10_000)
    p.approve(budget, CURRENT, f"合成预算〔{year}〕1号", date(year, 1, 10), OPERATOR)
    start, span = date(year, 1, 11), (date(year, 12, 31) - date(year, 1, 11)).days
    typical = budget / max(count, 1)  # payments of about this size leave budget to spare
    paid: list[str] = []
    for i in range(1, count):
        on = start + timedelta(days=i * span // count)
        roll = rng.random()
        if len(p.indicators) < len(INDICATORS) and (i <= len(INDICATORS) or roll < 0.02):
            level1, level2, name, target, unit, weight = INDICATORS[len(p.indicators)]
            p.declare_indicator(level1, level2, name, Target.parse(target), unit, weight, on, OPERATOR)
        elif roll < 0.05:
            p.adjust(_cents(rng, typical * 2), CURRENT, f"合成追加〔{year}〕{i}号", on, "合成数据：追加", OPERATOR)
        elif roll < 0.08 and p.available(CURRENT) > typical:
            p.adjust(-_cents(rng, typical / 2), CURRENT, f"合成调减〔{year}〕{i}号", on, "合成数据：调减", OPERATOR)
        elif roll < 0.12 and p.indicators:
            code = rng.choice(sorted(p.indicators))
            quantitative = p.indicators[code]["target"]["comparison"] != "text"
            value = Decimal(rng.randint(1, 20)) if quantitative else None
            p.record_actual(code, value, str(value) if value is not None else "按计划推进", on, OPERATOR)
        elif roll < 0.14 and paid:
            p.reverse(paid.pop(rng.randrange(len(paid))), on, "合成数据：冲销", OPERATOR)
        else:
            amount = min(_cents(rng, typical), p.available(CURRENT))
            if amount <= 0:
                p.adjust(_cents(rng, typical * 2), CURRENT, f"合成追加〔{year}〕{i}号", on, "合成数据：追加", OPERATOR)
                continue
            voucher = f"{p.code}-{i:06d}"
            p.pay(amount, CURRENT, voucher, on, OPERATOR, "合成数据")
            paid.append(voucher)


def _cents(rng: random.Random, around: Decimal) -> Decimal:
    """A positive amount in cents between 20% and 100% of ``around`` (at least 1 元)."""
    cents = max(100, int(around * 100 * Decimal(rng.randint(20, 100)) / 100))
    return Decimal(cents) / 100
