"""A small fixed year for the TUI tests: two departments of seed 000's kind, recorded through
BudgetApp (the same commands and checks as the CLI), with fixed dates and operator."""

from __future__ import annotations

import asyncio
import functools
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.values import Target
from bpt.projections.schema import init_database
from bpt.projections.store.service import Bpt
from tests.conftest import initialised
from bpt.tui.app import BptApp

YEAR = 2021
YEAR_END = date(2021, 12, 31)
OPERATOR = "测试员"


def record_year(app) -> None:
    """Seed 000's P01/P02 (26→22万 with 15.48万 paid; 40万 with 12.9万 paid), plus P03 and D02."""
    def d(text: str) -> date:
        return date.fromisoformat(f"2021-{text}")

    op = {"operator": OPERATOR}
    app.add_department(YEAR, "D01", "中共衡阳市直属机关工作委员会", staff_quota=30, staff_actual=26, on=d("01-04"), **op)
    app.add_department(YEAR, "D02", "衡阳市机关事务服务中心", staff_quota=12, staff_actual=11, on=d("01-04"), **op)
    for dept, code, name in (("D01", "P01", "市直机关工会工作经费"), ("D01", "P02", "党员活动经费"),
                             ("D01", "P03", "市直机关纪检办案工作经费"), ("D02", "P11", "机关食堂运行经费")):
        app.add_project(dept, YEAR, code, name, on=d("01-04"), **op)
    for code, amount in (("P01", "260000"), ("P02", "400000"), ("P03", "150000"), ("P11", "100000")):
        app.approve(code, YEAR, Decimal(amount), doc="衡财预〔2021〕1号", on=d("01-15"), **op)
    app.adjust("P01", YEAR, Decimal("-40000"), doc="衡财预〔2021〕35号", on=d("08-20"), reason="压减一般性支出", **op)
    for code, amount, voucher, when in (
            ("P01", "60000", "记-0101", "04-10"), ("P01", "94800", "记-0102", "10-10"),
            ("P02", "52000", "记-0201", "06-30"), ("P02", "77000", "记-0202", "11-30"),
            ("P03", "100000", "记-0301", "05-20"), ("P03", "50000", "记-0302", "12-10"),
            ("P11", "40000", "记-1101", "03-31"), ("P11", "40000", "记-1102", "09-30")):
        app.pay(code, YEAR, Decimal(amount), voucher=voucher, on=d(when), **op)
    for level2, name, target, unit, weight in (
            ("数量指标", "机关工会干部业务培训", ">=1", "次", "20"),
            ("质量指标", "市直机关工会干部参训率", "=100%", "%", "30"),
            ("成本指标", "总成本", "<=26万", "万元", "0")):
        app.add_indicator("P01", YEAR, level1="产出指标", level2=level2, name=name, target=Target.parse(target),
                          unit=unit, weight=Decimal(weight), on=d("01-15"), **op)
    app.add_indicator("P01", YEAR, level1="满意度指标", level2="服务对象满意度指标", name="机关党员干部满意度",
                      target=Target.parse("满意度较高"), unit="", weight=Decimal("10"), on=d("01-15"), **op)
    app.record_actual("P01", YEAR, "I01", value=Decimal("1"), text="1", on=d("12-20"), **op)
    app.record_actual("P01", YEAR, "I02", value=Decimal("0.9"), text="90%", on=d("12-20"), **op)


@pytest.fixture
def year_db(tmp_path) -> str:
    """A SQLite file holding the fixed year (deterministic for snapshots)."""
    url = str(tmp_path / "bpt.tui.db")
    bpt = Bpt(url)
    init_database(bpt.db)
    record_year(bpt.app)
    bpt.close()
    return url


@pytest.fixture
def year_url(db_url) -> str:
    """The fixed year on each storage (SQLite and PostgreSQL)."""
    bpt = initialised(db_url)
    record_year(bpt.app)
    bpt.close()
    return db_url


def make_app(url: str, *, as_of: date = YEAR_END, live: bool = False) -> BptApp:
    return BptApp(Bpt(url), YEAR, as_of, OPERATOR, live=live)


def pilot_test(scenario):
    """Run an async Pilot scenario as a plain test (the suite has no asyncio plugin)."""
    @functools.wraps(scenario)
    def test(*args, **kwargs):
        asyncio.run(scenario(*args, **kwargs))
    return test
