"""Small datasets the benchmarks build themselves through the application's commands.

The large synthetic datasets come from ``bpt.projections.demo.synthetic.generate`` (the import helper's);
these are the few fixed shapes a benchmark needs exactly: funded projects to pay into, and one
project with a long history.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bpt.domain.application import BudgetApp

YEAR = 2021
OPERATOR = "基准测试"
BUDGET = Decimal("1000000000.00")  # 10亿: never the limit of a benchmark's payments


def funded_projects(app: BudgetApp, dept: str, count: int, *, year: int = YEAR, prefix: str = "P") -> list[str]:
    """A department with ``count`` projects, each approved ``BUDGET`` on 1 January; their codes."""
    app.add_department(year, dept, f"基准部门{dept}", operator=OPERATOR, on=date(year, 1, 1))
    codes = [f"{dept}{prefix}{i:05d}" for i in range(count)]
    for code in codes:
        app.add_project(dept, year, code, f"基准项目{code}", operator=OPERATOR, on=date(year, 1, 1))
        app.approve(code, year, BUDGET, doc=f"基准财预〔{year}〕{code}号", on=date(year, 1, 4), operator=OPERATOR)
    return codes


def payment_date(i: int, year: int = YEAR) -> date:
    """Spread payments over the working year, deterministically."""
    return date(year, 1, 5) + timedelta(days=i % 355)


def long_project(app: BudgetApp, dept: str, code: str, events: int, *, year: int = YEAR, batch: int = 500) -> None:
    """One funded project with ``events`` events in all: mostly payments, an adjustment every 50.

    Built with the aggregate's own commands (so every event is valid) and saved ``batch`` events
    per transaction: the shape of a busy project, produced in seconds rather than minutes.
    """
    app.add_department(year, dept, f"基准部门{dept}", operator=OPERATOR, on=date(year, 1, 1))
    app.add_project(dept, year, code, f"基准项目{code}", operator=OPERATOR, on=date(year, 1, 1))
    app.approve(code, year, BUDGET, doc=f"基准财预〔{year}〕{code}号", on=date(year, 1, 4), operator=OPERATOR)
    project = app.project(year, code)
    for i in range(events - 2):  # Created and Approved are two of them
        when = payment_date(i, year)
        if i % 50 == 49:
            project.adjust(Decimal(1000 + i), "当年财政拨款", f"基准追加〔{year}〕{i}号", when, "基准追加", OPERATOR)
        else:
            project.pay(Decimal(100 + i % 900) + Decimal("0.25"), "当年财政拨款", f"V{i:07d}", when, OPERATOR)
        if len(project.pending_events) >= batch:
            app.save(project)
    app.save(project)


def explain_shortfalls(app: BudgetApp, codes: list[str], *, year: int = YEAR, per_save: int = 100) -> int:
    """A 偏差说明 for the execution and for every indicator of each project: what ``bpt close``
    requires before it issues a self-assessment of projects that fell short. Returns the events."""
    recorded = 0
    for start in range(0, len(codes), per_save):
        projects = [app.project(year, code) for code in codes[start:start + per_save]]
        for p in projects:
            for indicator in ["", *p.indicators]:
                p.explain_deviation(indicator, "基准测试：偏差原因与改进措施", date(year, 12, 31), OPERATOR)
                recorded += 1
        app.save(*projects)
    return recorded
