"""One project-year: its figures, the timeline of its events, its indicators, the monthly chart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from bpt.domain.values import QUALITATIVE
from bpt.projections.reports.layout import deviation_text
from bpt.tui.screens.explain import ExplainScreen, event_label, figure_of_column, recorded_at, reference
from bpt.tui.screens.readmodel import ReadModel
from bpt.tui.widgets import cells
from bpt.tui.widgets.execution_chart import ExecutionChart
from bpt.tui.widgets.keyed_table import KeyedTable
from bpt.tui.screens.forms import RECORDING_BINDINGS

FIGURE_COLUMNS = [
    ("initial_budget", "年初\n预算数"), ("adjusted_budget", "全年\n预算数"), ("executed", "全年\n执行数"),
    ("execution_rate", "执行率"), ("time_progress", "序时\n进度"), ("warning", "预警"),
    ("execution_score", "执行率\n得分"), ("total_score", "得分"), ("grade", "评价\n等次"),
]
TIMELINE_COLUMNS = [
    ("effective_date", "生效日期"), ("label", "事项"), ("reference", "文号/凭证号"), ("amount", "金额（元）"),
    ("operator", "经办人"), ("recorded_at", "记录时间"), ("detail", "摘要"),
]
INDICATOR_COLUMNS = [
    ("code", "编号"), ("level2", "二级指标"), ("name", "三级指标"), ("target", "年度指标值"),
    ("actual", "实际完成值"), ("weight", "分值"), ("score", "得分"), ("deviation", "偏差原因分析及改进措施"),
]


def figure_cells(row: dict) -> list[Text]:
    return [cells.wan(row["initial_budget"]), cells.wan(row["adjusted_budget"]), cells.wan(row["executed"]),
            cells.percent(row["execution_rate"]), cells.percent(row["time_progress"]), cells.warning(row["warning"]),
            cells.score(row.get("execution_score")), cells.score(row.get("total_score")),
            cells.plain(row.get("grade") or "-")]


def timeline_cells(event: dict) -> list[Text]:
    return [cells.plain(event["effective_date"]), cells.plain(event_label(event)), cells.plain(reference(event)),
            cells.yuan(event.get("amount")), cells.plain(event.get("operator")),
            cells.plain(recorded_at(event.get("recorded_at"))), cells.plain(event.get("detail"), 40)]


def actual_text(row: dict) -> str:
    """An actual value in its indicator's unit: ``90%`` for 0.9 of a percentage, ``1 次``."""
    actual = row.get("actual")
    if actual is None:
        return "-"
    if row["comparison"] == QUALITATIVE:
        return actual
    if row["unit"] in ("%", "％"):
        return f"{(Decimal(actual) * 100).normalize():f}%"
    return f"{actual} {row['unit']}".strip()


def indicator_cells(row: dict) -> list[Text]:
    return [cells.plain(row["code"]), cells.plain(row["level2"], 10), cells.plain(row["name"], 20),
            cells.plain(row["target"]), cells.plain(actual_text(row)), cells.score(row["weight"]),
            cells.score(row.get("score")), cells.plain(deviation_text(row), 30)]


class DetailScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "返回"),
        Binding("e", "explain", "解释"),
        *RECORDING_BINDINGS,
    ]
    COMMANDS_HERE = [("explain", "解释当前数字", "列出产生该数字的事件")]

    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="detail-title")
        yield KeyedTable(FIGURE_COLUMNS, id="figures", cursor_type="cell", header_height=2)
        with TabbedContent(id="detail-tabs"):
            with TabPane("时间线", id="tab-timeline"):
                yield KeyedTable(TIMELINE_COLUMNS, id="timeline", cursor_type="row")
            with TabPane("绩效指标", id="tab-indicators"):
                yield KeyedTable(INDICATOR_COLUMNS, id="indicators", cursor_type="row")
            with TabPane("执行进度", id="tab-chart"):
                yield ExecutionChart(id="chart")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#figures").focus()

    def current_project(self) -> str:
        return self.project

    def fetch(self, readmodel: ReadModel, as_of: date) -> dict:
        """Everything the screen shows (only reads: it may run on the live-update thread)."""
        project = readmodel.project(self.project)
        return {
            "as_of": as_of, "title": f"{project.code} {project.name}｜{project.dept}｜{project.kind}｜金额单位：万元",
            "figures": next(r for r in readmodel.projects(as_of, project.dept) if r["project"] == self.project),
            "timeline": readmodel.timeline(self.project), "indicators": readmodel.indicators(self.project, as_of),
            "monthly": readmodel.monthly(self.project),
        }

    def show_data(self, data: dict) -> None:
        if data["as_of"] != self.app.as_of:
            return
        self.query_one("#detail-title", Static).update(Text(data["title"], style="bold"))
        self.query_one("#figures", KeyedTable).show([(self.project, figure_cells(data["figures"]))])
        # Business order (effective date); events of one day stay in recording order.
        events = sorted(data["timeline"], key=lambda e: e["effective_date"])
        self.query_one("#timeline", KeyedTable).show([(str(e["position"]), timeline_cells(e)) for e in events])
        self.query_one("#indicators", KeyedTable).show([(r["code"], indicator_cells(r)) for r in data["indicators"]])
        self.query_one("#chart", ExecutionChart).show(data["monthly"], self.app.year, data["as_of"])

    def refresh_data(self) -> None:
        self.show_data(self.fetch(self.app.readmodel, self.app.as_of))

    def action_explain(self) -> None:
        figure = figure_of_column(self.query_one("#figures", KeyedTable).cursor_column_key)
        if figure is None:
            self.notify("请在上方数字行把光标移到年初预算数、全年预算数、全年执行数、执行率或得分上",
                        severity="warning")
            return
        self.app.push_screen(ExplainScreen(self.project, figure))
