"""The Textual app: overview → project detail → explain, recording forms, live updates."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import date
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from bpt.domain.calendar import clamp_to_year, time_progress
from bpt.domain.money import fmt_percent
from bpt.projections.store.service import Bpt
from bpt.tui.screens.forms import FORMS, OperatorDialog
from bpt.tui.screens.help import HelpScreen
from bpt.tui.screens.overview import OverviewScreen
from bpt.tui.screens.readmodel import ReadModel

POLL_SECONDS = 0.5


class BptApp(App):
    """预算执行监控 for one fiscal year, as of a date (effective-date axis).

    Screens read through ``self.readmodel``; forms record through ``self.bpt.app``. A thread
    worker watches the head of the event log on its own handle and refreshes every open
    screen when another process (an officer, a worker) records an event.
    """

    CSS_PATH = "bpt.tcss"
    TITLE = "bpt"
    BINDINGS = [
        Binding("ctrl+p", "command_palette", "命令", show=False, priority=True),
        Binding("question_mark,f1", "help", "帮助"),
        Binding("y", "next_year", "切换年度", show=False),
        Binding("q", "quit", "退出", show=False),
    ]

    def __init__(self, bpt: Bpt, year: int, as_of: date, operator: str | None, *, live: bool = True):
        """``operator`` None: asked once, before the first recording."""
        super().__init__()
        self.bpt = bpt
        self.year = year
        self.as_of = as_of
        self.operator = operator
        self.live = live
        self.readmodel = ReadModel(bpt, year)
        self.position = 0  # the log position the screens show

    def on_mount(self) -> None:
        # Read the head before the screens load: an event recorded meanwhile triggers a refresh.
        self.position = self.readmodel.head()
        self._update_subtitle()
        self.push_screen(OverviewScreen())
        if self.live:
            self.watch_log()

    @property
    def provisional(self) -> bool:
        """Scores before the year's end are what the year would score today, not its score."""
        return self.as_of < date(self.year, 12, 31)

    def _update_subtitle(self) -> None:
        progress = fmt_percent(time_progress(self.as_of, self.year))
        # Before the year's end the word 预算执行 makes room for 得分为预计 at 80 columns.
        what = "得分为预计" if self.provisional else "预算执行"
        self.sub_title = f"{self.year} 年度｜截至 {self.as_of.isoformat()}｜序时进度 {progress}｜{what}"

    # -- live updates ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def watch_log(self) -> None:
        worker = get_current_worker()
        handle = Bpt(self.bpt.db)
        watcher = ReadModel(handle, self.year)
        seen, failing = self.position, False
        try:
            while not worker.is_cancelled:
                try:
                    head = watcher.head()
                    if head != seen or watcher.year != self.year:
                        watcher.year = self.year  # the year switch (``set_year``) moves the watcher too
                        # Read here, on this thread's own handle: the UI thread only lays out rows.
                        watcher.catch_up()
                        as_of = self.as_of
                        fetched = [(screen, screen.fetch(watcher, as_of))
                                   for screen in list(self.screen_stack) if hasattr(screen, "fetch")]
                        seen = head
                        self.call_from_thread(self.log_moved, head, fetched)
                    failing = False
                except Exception as error:  # a dropped connection pauses the updates, never the UI
                    if not failing:
                        self.call_from_thread(self.notify, f"实时更新暂停：{error}", severity="warning")
                    failing = True
                time.sleep(POLL_SECONDS)
        finally:
            handle.close()

    def log_moved(self, head: int, fetched: list[tuple[Screen, dict]]) -> None:
        self.position = head
        for screen, data in fetched:
            if screen.is_attached:
                screen.show_data(data)

    def refresh_views(self) -> None:
        """Re-read the data of every open screen now (after this app's own change)."""
        for screen in self.screen_stack:
            if hasattr(screen, "fetch"):
                screen.refresh_data()

    def set_as_of(self, as_of: date) -> None:
        self.as_of = as_of
        self._update_subtitle()
        self.refresh_views()

    def set_year(self, year: int) -> None:
        """Show another fiscal year: back to its overview, as of today pulled into that year."""
        if year == self.year:
            return
        while len(self.screen_stack) > 2:  # the default screen, the overview, then what was opened from it
            self.pop_screen()
        self.year = self.readmodel.year = year
        self.as_of = clamp_to_year(date.today(), year)
        overview = self.screen_stack[-1]
        if isinstance(overview, OverviewScreen):
            overview.dept = None  # the first department of the new year
        self._update_subtitle()
        self.refresh_views()
        self.notify(f"已切换到 {year} 年度")

    def action_next_year(self) -> None:
        """``y``: the next year with data (after the last, the first)."""
        years = self.readmodel.years()
        later = [y for y in years if y > self.year]
        if later or years:
            self.set_year(later[0] if later else years[0])

    # -- actions --------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_record(self, kind: str) -> None:
        """Open the recording form ``kind`` for the project the current screen points at (after
        asking who records, the first time, when the command line did not say)."""
        project = getattr(self.screen, "current_project", lambda: None)()
        if project is None:
            self.notify("请先选择一个项目", severity="warning")
            return
        if self.operator is None:
            self.push_screen(OperatorDialog(), partial(self._operator_given, kind))
            return
        self.push_screen(FORMS[kind](project), self._recorded)

    def _operator_given(self, kind: str, operator: str | None) -> None:
        if operator:
            self.operator = operator
            self.action_record(kind)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """The screen as SVG in the working folder (textual's default, ~/Downloads, may not exist)."""
        saved = self.save_screenshot(filename, path or os.getcwd())
        self.notify(f"已保存截图：{saved}", title="截图")

    def _recorded(self, message: str | None) -> None:
        if message:
            self.notify(message, title="已记录")
            self.refresh_views()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for kind, form in FORMS.items():
            yield SystemCommand(form.TITLE, f"为当前项目{form.TITLE}", partial(self.action_record, kind))
        for action, title, help_text in getattr(screen, "COMMANDS_HERE", ()):
            yield SystemCommand(title, help_text, partial(screen.run_action, action))
        for year in self.readmodel.years():
            if year != self.year:
                yield SystemCommand(f"切换到 {year} 年度", f"查看 {year} 年度的预算执行", partial(self.set_year, year))
        yield SystemCommand("帮助：按键一览", "列出所有按键", self.action_help)
