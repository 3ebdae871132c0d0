"""The TUI driven with Pilot: forms record through the same commands as the CLI, refusals stay in
the form, explain opens from a figure cell, and another process's events appear while it is open."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

from textual.widgets import Input

from bpt.projections.store.service import Bpt
from tests.conftest import REPO
from tests.tui.conftest import OPERATOR, YEAR, make_app, pilot_test
from bpt.tui.screens.detail import DetailScreen
from bpt.tui.screens.explain import ExplainScreen
from bpt.tui.screens.forms import AdjustForm, PayForm
from bpt.tui.screens.help import HelpScreen
from bpt.tui.screens.overview import OverviewScreen
from bpt.tui.screens.readmodel import ReadModel

SIZE = (100, 30)
DEADLINE = 15.0


def cell(app, table: str, row: str, column: str) -> str:
    return app.screen_stack[1].query_one(f"#{table}").get_cell(row, column).plain


def head_of(url: str) -> int:
    bpt = Bpt(url)
    try:
        return ReadModel(bpt, YEAR).head()
    finally:
        bpt.close()


async def wait_until(pilot, condition, what: str) -> None:
    """Let the app run until ``condition()`` holds, failing after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def fill(pilot, **values: str) -> None:
    for key, value in values.items():
        pilot.app.screen.query_one(f"#{key}", Input).value = value
    await pilot.pause()


@pilot_test
async def test_adjust_form_records_a_decrease_and_the_table_updates(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, OverviewScreen)
        assert cell(app, "projects", "P01", "adjusted_budget") == "22.00"
        await pilot.press("a")
        assert isinstance(app.screen, AdjustForm)
        app.screen.query_one("#direction").value = "调减"
        await pilot.click("#amount")
        await pilot.press(*"20000")
        await fill(pilot, doc="衡财预〔2021〕88号", reason="压减会议费")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen), "the form to close")
        assert cell(app, "projects", "P01", "adjusted_budget") == "20.00"
        assert cell(app, "departments", "D01", "adjusted_budget") == "75.00"
    p = Bpt(year_url)
    try:
        project = p.app.project(YEAR, "P01")
        assert project.figures()["decreases"] == 60000
        assert project.docs["衡财预〔2021〕88号|20000.00"] == "Decreased"
    finally:
        p.close()


@pilot_test
async def test_fields_are_checked_as_typed_with_the_command_line_messages(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.click("#amount")
        await pilot.press(*"1e5")
        error = app.screen.query_one("#amount-error")
        assert error.display and "金额：无法识别的金额“1e5”" in str(error.render())
        await fill(pilot, amount="12.345")
        assert "超过两位小数" in str(error.render())
        await fill(pilot, amount="1.5万", date="2022-01-01")
        assert not error.display
        assert "日期：2022-01-01 不在 2021 预算年度内" in str(app.screen.query_one("#date-error").render())


@pilot_test
async def test_a_refused_payment_shows_the_refusal_and_records_nothing(year_url):
    before = head_of(year_url)
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, PayForm)
        await fill(pilot, amount="20万", voucher="记-0199")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PayForm), "a refused form stays open"
        message = str(app.screen.query_one("#form-error").render())
        assert message.startswith("错误：金额：支出 200000.00 元超过项目 P01"), message
        await fill(pilot, amount="100", voucher="记-0101")  # a voucher already used
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "凭证号：记-0101 已在项目 P01 2021 年度使用过" in str(app.screen.query_one("#form-error").render())
        await pilot.press("escape")
        assert cell(app, "projects", "P01", "executed") == "15.48"
    assert head_of(year_url) == before


@pilot_test
async def test_explain_opens_on_the_figure_under_the_cursor(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right")  # 编号 → 名称 → 年初预算数 → 全年预算数
        await pilot.press("e")
        assert isinstance(app.screen, ExplainScreen)
        assert (app.screen.project, app.screen.figure) == ("P01", "adjusted_budget")
        title = str(app.screen.query_one("#explain-title").render())
        assert "全年预算数 = 22.00 万元（220000.00 元）" in title
        events = app.screen.query_one("#explain-events")
        assert [events.get_row_at(i)[2].plain for i in range(events.row_count)] == \
            ["衡财预〔2021〕1号", "衡财预〔2021〕35号"]
        assert events.get_row_at(events.row_count - 1)[4].plain == "220000.00"
        await pilot.press("escape")
        await pilot.press("left", "left", "e")  # the name column is not a figure
        assert isinstance(app.screen, OverviewScreen)


@pilot_test
async def test_detail_shows_timeline_indicators_and_monthly_chart(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen) and app.screen.project == "P01"
        timeline = app.screen.query_one("#timeline")
        rows = [timeline.get_row_at(i) for i in range(timeline.row_count)]
        assert [(r[1].plain, r[2].plain, r[3].plain) for r in rows if r[2].plain] == [
            ("年初预算", "衡财预〔2021〕1号", "260000.00"), ("支出", "记-0101", "60000.00"),
            ("调减", "衡财预〔2021〕35号", "40000.00"), ("支出", "记-0102", "94800.00")]
        assert {r[4].plain for r in rows} == {OPERATOR}
        indicators = app.screen.query_one("#indicators")
        assert indicators.get_cell("I02", "actual").plain == "90%"
        assert indicators.get_cell("I01", "actual").plain == "1 次"
        assert indicators.get_cell("I01", "score").plain == "20.00"
        chart = str(app.screen.query_one("#chart").render())
        assert " 4月" in chart and "23.08%" in chart and "70.36%" in chart
        await pilot.press("right", "e")  # 全年预算数 in the figures row
        assert isinstance(app.screen, ExplainScreen) and app.screen.figure == "adjusted_budget"


@pilot_test
async def test_overview_filters_sorts_and_moves_the_as_of_date(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        projects = app.screen.query_one("#projects")
        await pilot.press("w")  # 落后 only
        assert projects.keys == ["P02"]
        await pilot.press("w", "w", "w")  # back to all
        assert projects.keys == ["P01", "P02", "P03"]
        await pilot.press(*["right"] * 5, "s")  # by 执行率, ascending
        assert projects.keys == ["P02", "P01", "P03"]
        await pilot.press("s")
        assert projects.keys == ["P03", "P01", "P02"]
        await pilot.press("left_square_bracket")  # end of November: 调减 already, last payment not yet
        assert app.as_of.isoformat() == "2021-11-30"
        assert projects.get_cell("P03", "executed").plain == "10.00"
        await pilot.press("d")
        await fill(pilot, as_of="2021-07-31")
        await pilot.press("enter")
        assert app.as_of.isoformat() == "2021-07-31"
        assert projects.get_cell("P01", "adjusted_budget").plain == "26.00"
        assert projects.get_cell("P01", "time_progress").plain == "58.33%"
        await pilot.press("shift+tab", "down")  # the departments table: the next department's projects
        assert app.screen.dept == "D02" and projects.keys == ["P11"]
        assert projects.get_cell("P11", "warning").plain == "偏慢"


@pilot_test
async def test_command_palette_and_help_list_the_main_actions(year_url):
    app = make_app(year_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"zhi")  # nothing matches Latin letters in Chinese titles…
        await pilot.press("ctrl+a", "backspace")
        app.screen.query_one(Input).value = "支出"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PayForm), "the payment form")
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help Static").render())
        for word in ("追加/调减", "支出", "冲销", "实际完成值", "定性评定", "偏差说明", "解释", "截至日期", "预警筛选", "排序"):
            assert word in text


@pilot_test
async def test_events_from_another_process_appear_without_losing_cursor_or_form(year_url):
    app = make_app(year_url, live=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "right", "right", "right")  # P02 全年预算数
        await pilot.press("a")
        await fill(pilot, reason="年中追加")
        env = {**os.environ, "BPT_DATABASE_URL": year_url, "BPT_OPERATOR": "另一位经办人"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bpt.tui", "pay", "P02", "1万", "--year", str(YEAR), "--voucher", "记-0299",
            "--date", "2021-12-01", env=env, cwd=REPO, stderr=subprocess.PIPE)
        _, stderr = await proc.communicate()
        assert proc.returncode == 0, stderr.decode()
        await wait_until(pilot, lambda: cell(app, "projects", "P02", "executed") == "13.90", "the live update")
        assert isinstance(app.screen, AdjustForm) and app.screen.query_one("#reason", Input).value == "年中追加"
        overview = app.screen_stack[1]
        table = overview.query_one("#projects")
        assert (table.cursor_key, table.cursor_column_key) == ("P02", "adjusted_budget")
        assert overview.query_one("#departments").get_cell("D01", "executed").plain == "44.38"


@pilot_test
async def test_names_fit_the_terminal_width_and_a_resize_keeps_the_cursor(year_url):
    app = make_app(year_url)
    async with app.run_test(size=(80, 24)) as pilot:
        projects = app.screen.query_one("#projects")
        await pilot.press("down", "down", "right", "right")
        clipped = projects.get_cell("P03", "name").plain
        assert clipped.endswith("~") and len(clipped) < len("市直机关纪检办案工作经费")
        assert "P03 市直机关纪检办案工作经费" in str(app.screen.query_one("#filters").render())
        await pilot.resize_terminal(140, 30)
        await wait_until(pilot, lambda: projects.get_cell("P03", "name").plain == "市直机关纪检办案工作经费",
                         "the full name")
        assert (projects.cursor_key, projects.cursor_column_key) == ("P03", "initial_budget")
