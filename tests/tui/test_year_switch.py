"""The TUI's year switch: `y` and the command palette move every figure to another fiscal year;
`bpt tui` opens on the latest year with data."""

from __future__ import annotations

from datetime import date

from bpt.projections.reports.years import plan_year
from bpt.projections.store.service import Bpt
from bpt.projections.views.queries import years_with_data
from bpt.tui.screens.detail import DetailScreen
from bpt.tui.screens.overview import OverviewScreen
from tests.tui.conftest import OPERATOR, YEAR, make_app, pilot_test
from tests.tui.test_flows import SIZE, cell, wait_until

NEXT = YEAR + 1


def open_next(url: str) -> None:
    bpt = Bpt(url)
    try:
        plan = plan_year(bpt, NEXT, YEAR, "衡财预〔2022〕2号", from_live=True)
        bpt.app.open_year(plan, on=date(NEXT, 1, 10), operator=OPERATOR)
        assert years_with_data(bpt) == [YEAR, NEXT]
    finally:
        bpt.close()


@pilot_test
async def test_y_switches_to_the_next_year_and_back(year_db):
    open_next(year_db)
    app = make_app(year_db)
    async with app.run_test(size=SIZE) as pilot:
        assert cell(app, "projects", "P01", "adjusted_budget") == "22.00"
        await pilot.press("enter")  # a detail screen open: the switch goes back to the overview
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), "the detail")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview")
        assert (app.year, app.as_of.year) == (NEXT, NEXT) and f"{NEXT} 年度" in app.sub_title
        # 2022: only the carried-over balance (65200.00 元 = 6.52 万元) is budgeted.
        assert cell(app, "projects", "P01", "adjusted_budget") == "6.52"
        assert cell(app, "projects", "P01", "initial_budget") == "0.00"
        await pilot.press("y")  # after the last year: the first again
        assert app.year == YEAR and cell(app, "projects", "P01", "adjusted_budget") == "22.00"


@pilot_test
async def test_the_command_palette_offers_the_other_years(year_db):
    open_next(year_db)
    app = make_app(year_db)
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert f"切换到 {NEXT} 年度" in commands and f"切换到 {YEAR} 年度" not in commands
        commands[f"切换到 {NEXT} 年度"].callback()
        await pilot.pause()
        assert app.year == NEXT and cell(app, "projects", "P02", "adjusted_budget") == "27.10"
