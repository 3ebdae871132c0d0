"""The demo's later years: 2022 and 2023 opened from the year before (``bpt year open``).

2021 is the demo's "today" (built by ``bpt.projections.demo.year``, not closed); 2022 and 2023
are generated from it deterministically, with the same commands as the CLI: each year is opened
from the previous one's live figures (项目支出 balances carried as 上年结转资金, 基本支出 收回; the
one-off 市十一运会经费 is dropped), the indicators are copied, the 年初预算 is approved again, and
the money is spent — 上年结转资金 first — over the whole of 2022 and over the first half of 2023.
2022's quantitative indicators reach their targets (a 成本指标 its spending) and its qualitative
ones are assessed 达成 at full marks, so the year switch of the TUI shows three different years.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bpt.domain.values import CARRIED, CURRENT, QUALITATIVE
from bpt.projections.reports.years import plan_year
from bpt.projections.store.service import Bpt

LATER = (2022, 2023)
DROPPED = ("P07",)  # 市十一运会经费: a one-off of 2021
# Share of each year's 全年预算数 paid, by project (2023: by the end of June).
PAID_SHARE = {2022: Decimal("0.92"), 2023: Decimal("0.45")}
PAY_DAYS = {2022: ("03-20", "06-20", "09-20", "12-10"), 2023: ("02-20", "04-20", "06-20")}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def build_later_years(bpt: Bpt, projects: tuple, operator: str) -> int:
    """Record 2022 and 2023 after the demo year (its ``DemoProject``s: codes and 年初预算数);
    returns the number of commands run."""
    app, commands = bpt.app, 0
    for year in LATER:
        opened, approved = date(year, 1, 10), date(year, 1, 15)
        plan = plan_year(bpt, year, year - 1, f"衡财预〔{year}〕3号", from_live=True,
                         drop=DROPPED if year == LATER[0] else ())
        app.open_year(plan, on=opened, operator=operator)
        codes = [p.code for p in projects if p.code not in DROPPED]
        app.copy_indicators(year - 1, year, codes, on=approved, operator=operator)
        commands += 2
        for p in projects:
            if p.code in DROPPED:
                continue
            app.approve(p.code, year, p.initial, doc=f"衡财预〔{year}〕1号", on=approved, operator=operator)
            commands += 1 + _spend(app, year, p.code, operator)
        if year == LATER[0]:
            commands += _achieve(app, year, codes, operator)
    return commands


def _spend(app, year: int, code: str, operator: str) -> int:
    """Pay the year's share of the budget in equal parts, 上年结转资金 first; returns the payments."""
    project = app.project(year, code)
    total = _cents(project.budget() * PAID_SHARE[year])
    carried = min(project.available(CARRIED), total)
    days = PAY_DAYS[year]
    part = _cents((total - carried) / len(days))
    parts = [(CARRIED, carried)] if carried > 0 else []
    parts += [(CURRENT, part) for _ in days[:-1]] + [(CURRENT, total - carried - part * (len(days) - 1))]
    for n, (source, amount) in enumerate(parts):
        day = days[max(0, n - (1 if carried > 0 else 0))]
        app.pay(code, year, amount, voucher=f"记-{year}-{code}-{n + 1:02d}", on=date.fromisoformat(f"{year}-{day}"),
                source=source, operator=operator, note="演示支出" if source == CURRENT else "使用上年结转资金")
    return len(parts)


def _achieve(app, year: int, codes: list[str], operator: str) -> int:
    """Year-end 实际完成值: each target reached (a cost its spending), qualitative ones 达成."""
    end, done = date(year, 12, 31), 0
    for code in codes:
        project = app.project(year, code)
        for i in project.indicators.values():
            target = i["target"]
            if target["comparison"] == QUALITATIVE:
                app.record_actual(code, year, i["code"], value=None, text="已完成", on=end, operator=operator)
                app.assess(code, year, i["code"], grade="达成", score=i["weight"], reason="", on=end, operator=operator)
                done += 2
            else:
                value = target["value"]
                if target["comparison"] == "<=" and i["level2"] == "成本指标":
                    value = min(value, project.figures()["executed"])
                app.record_actual(code, year, i["code"], value=value, text=str(value), on=end, operator=operator)
                done += 1
    return done
