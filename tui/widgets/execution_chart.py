"""Cumulative execution by month against the 序时进度 line, as a plain-text bar chart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.text import Text
from textual.widget import Widget

from bpt.domain.money import fmt_percent, fmt_wan
from bpt.tui.widgets.cells import WARNING_STYLES, pad

BAR_STYLES = {level: f"on {style.split()[-1]}" for level, style in WARNING_STYLES.items()}
TRACK = "░"  # neutral width, unlike the block elements
MARKER = "|"
LABEL_WIDTH = 5  # "12月 "
FIGURES_WIDTH = 29  # 执行率 9, 序时进度 9, 累计执行数 11


class ExecutionChart(Widget):
    """One line per month: a bar of the cumulative 执行率 (coloured by its warning level), the
    ``|`` where 序时进度 stands at the month's end, then the figures. Months after the as-of
    date are dimmed: they show events already recorded with a later effective date."""

    DEFAULT_CSS = "ExecutionChart { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.months: list[dict] = []
        self.year = 0
        self.as_of: date | None = None

    def show(self, months: list[dict], year: int, as_of: date) -> None:
        self.months, self.year, self.as_of = months, year, as_of
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.months) + 2

    def render(self) -> Text:
        width = max(10, self.size.width - LABEL_WIDTH - FIGURES_WIDTH)
        out = Text()
        out.append(pad("月份", LABEL_WIDTH) + pad("累计执行率（| 为序时进度）", width) + pad("执行率", 9, right=True)
                   + pad("序时进度", 9, right=True) + pad("累计执行数", 11, right=True) + "\n", style="bold")
        for m in self.months:
            rate = Decimal(m["execution_rate"]) if m["execution_rate"] is not None else None
            progress = Decimal(m["time_progress"])
            later = self.as_of is not None and date(self.year, m["month"], 1) > self.as_of
            dim = "dim" if later else ""
            out.append(pad(f"{m['month']:>2}月", LABEL_WIDTH), style=dim)
            out.append_text(self._bar(rate, progress, width, "on grey35" if later else BAR_STYLES[m["warning"]]))
            figures = (fmt_percent(rate) if rate is not None else "-", fmt_percent(progress),
                       fmt_wan(Decimal(m["executed"])))
            out.append(f"{figures[0]:>9}{figures[1]:>9}{figures[2]:>11}\n", style=dim)
        out.append("金额单位：万元；条形颜色：绿 正常、黄 偏慢、红 落后（执行率 / 序时进度）", style="dim")
        return out

    @staticmethod
    def _bar(rate: Decimal | None, progress: Decimal, width: int, fill: str) -> Text:
        filled = round(min(max(rate or Decimal(0), Decimal(0)), Decimal(1)) * width)
        marker = min(width - 1, max(0, round(progress * width) - 1))
        bar = Text()
        for i in range(width):
            char = MARKER if i == marker else (" " if i < filled else TRACK)
            bar.append(char, style=f"bold {fill}" if i < filled else ("bold" if i == marker else "dim"))
        return bar
