"""What an officer needs in the first hour: find a project, know who records, see that a mid-year
score is provisional, take the table to Excel, save a screenshot."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from textual.widgets import Input

from bpt.projections.store.service import Bpt
from bpt.tui.app import BptApp
from bpt.tui.screens.forms import AdjustForm, OperatorDialog, SearchDialog
from tests.tui.conftest import YEAR, make_app, pilot_test
from tests.tui.test_flows import fill, wait_until

SIZE = (100, 30)


@pilot_test
async def test_slash_finds_projects_by_code_or_name_and_empty_shows_all(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        projects = app.screen.query_one("#projects")
        await pilot.press("slash")
        assert isinstance(app.screen, SearchDialog)
        await fill(pilot, text="纪检")
        await pilot.press("enter")
        assert projects.keys == ["P03"]
        assert "查找：纪检" in str(app.screen.query_one("#filters").render())
        await pilot.press("slash")
        await fill(pilot, text="p0")  # a code, in either case
        await pilot.press("enter")
        assert projects.keys == ["P01", "P02", "P03"]
        await pilot.press("slash")
        await fill(pilot, text="")
        await pilot.press("enter")
        assert projects.keys == ["P01", "P02", "P03"] and "查找" not in str(app.screen.query_one("#filters").render())


@pilot_test
async def test_without_an_operator_the_tui_asks_once_and_records_under_that_name(year_url):
    app = BptApp(Bpt(year_url), YEAR, date(YEAR, 12, 31), None, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, OperatorDialog)
        await pilot.press("enter")  # empty: refused, the dialog stays
        assert isinstance(app.screen, OperatorDialog) and "经办人" in str(app.screen.query_one("#form-error").render())
        await fill(pilot, operator="王会计")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AdjustForm), "the adjustment form")
        assert "经办人 王会计" in str(app.screen.query_one(".form-title").render())
        await fill(pilot, amount="1000", doc="衡财预〔2021〕99号", reason="追加")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, AdjustForm), "the form to close")
        await pilot.press("p")  # asked only once
        assert not isinstance(app.screen, OperatorDialog)
    bpt = Bpt(year_url)
    try:
        last = list(bpt.app.events.get(bpt.app.project(YEAR, "P01").id))[-1]
    finally:
        bpt.close()
    assert (type(last).__name__, last.operator, last.amount) == ("Increased", "王会计", Decimal("1000"))


@pilot_test
async def test_a_score_before_the_year_end_is_marked_provisional(year_url):
    app = make_app(year_url, as_of=date(YEAR, 6, 30))
    async with app.run_test(size=SIZE) as pilot:
        assert "得分为预计" in app.sub_title
        await pilot.press("d")
        await fill(pilot, as_of=f"{YEAR}-12-31")
        await pilot.press("enter")
        assert app.as_of == date(YEAR, 12, 31) and "预计" not in app.sub_title


@pilot_test
async def test_export_saves_the_table_as_shown_and_a_screenshot_lands_in_the_working_folder(year_url, tmp_path,
                                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(year_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")  # 落后 only: P02
        overview = app.screen
        overview.action_export("csv")
        overview.action_export("xlsx")
        await pilot.press("w", "w", "w")
        app.action_screenshot()
        await pilot.pause()
    stem = tmp_path / f"bpt-{YEAR}-D01-{YEAR}-12-31"
    with open(f"{stem}.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["编号", "项目名称", "年初预算数"] and [r[:2] for r in rows[1:]] == [["P02", "党员活动经费"]]
    ws = load_workbook(f"{stem}.xlsx").worksheets[0]
    row = [ws.cell(4, c).value for c in range(1, 6)]
    assert row[:2] == ["P02", "党员活动经费"] and row[2:5] == [40, 40, 12.9]  # numbers, not text
    assert [p.suffix for p in tmp_path.glob("*.svg")] == [".svg"]
