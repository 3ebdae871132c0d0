"""Explain one figure of one project: the events that produced it, with the running value."""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from bpt.tui.screens.readmodel import ReadModel
from bpt.tui.widgets import cells
from bpt.tui.widgets.keyed_table import KeyedTable

# The figures `bpt explain` justifies, with their names on the forms.
FIGURE_LABELS = {
    "initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "executed": "全年执行数",
    "execution_rate": "执行率", "execution_score": "执行率得分", "total_score": "得分",
}
AMOUNT_FIGURES = ("initial_budget", "adjusted_budget", "executed")
EVENT_COLUMNS = [
    ("effective_date", "生效日期"), ("label", "事项"), ("reference", "文号/凭证号"), ("amount", "金额（元）"),
    ("value_after", "变动后"), ("operator", "经办人"), ("recorded_at", "记录时间"), ("position", "位置"),
]


def figure_of_column(column: str | None) -> str | None:
    """The explainable figure a table column shows, None for any other column."""
    return column if column in FIGURE_LABELS else None


def recorded_at(iso: str | None) -> str:
    """A recording timestamp in local time, to the second."""
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def event_label(event: dict) -> str:
    """The event's Chinese name; a correction recorded after the self-assessment was issued says so."""
    return (event.get("label") or event["type"]) + ("（出具后）" if event.get("late") else "")


def reference(event: dict) -> str:
    """文号 of a budget document or the voucher of a payment."""
    return event.get("doc") or event.get("voucher") or ""


def figure_value(figure: str, value: str | None) -> str:
    if value is None:
        return "-"
    if figure in AMOUNT_FIGURES:
        return f"{cells.wan(value).plain} 万元（{cells.yuan(value).plain} 元）"
    if figure == "execution_rate":
        return cells.percent(value).plain
    return f"{cells.score(value).plain} 分"


def after_cell(figure: str, value: str | None) -> Text:
    """The running value after an event, in the figure's own unit."""
    if figure in AMOUNT_FIGURES:
        return cells.yuan(value)
    return cells.percent(value) if figure == "execution_rate" else cells.score(value)


class ExplainScreen(Screen):
    """What `bpt explain PROJECT FIGURE --as-of D` shows, for the cell under the cursor."""

    BINDINGS = [Binding("escape", "app.pop_screen", "返回")]

    def __init__(self, project: str, figure: str) -> None:
        super().__init__()
        self.project = project
        self.figure = figure

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="explain-title")
        yield KeyedTable(EVENT_COLUMNS, id="explain-events", cursor_type="row")
        with VerticalScroll(id="explain-notes"):
            yield Static(id="explain-note")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#explain-events").focus()

    def fetch(self, readmodel: ReadModel, as_of: date) -> dict:
        return readmodel.explain(self.project, self.figure, as_of)

    def refresh_data(self) -> None:
        self.show_data(self.fetch(self.app.readmodel, self.app.as_of))

    def show_data(self, doc: dict) -> None:
        if doc["as_of"] != self.app.as_of.isoformat():
            return
        label = FIGURE_LABELS[self.figure]
        self.query_one("#explain-title", Static).update(Text(
            f"{doc['project']} {label} = {figure_value(self.figure, doc['value'])}"
            f"｜截至 {doc['as_of']}（生效日期口径）｜{len(doc['events'])} 个事件", style="bold"))
        self.query_one("#explain-events", KeyedTable).show([
            (str(e["position"]), [cells.plain(e["effective_date"]), cells.plain(event_label(e)), cells.plain(reference(e)),
                      cells.yuan(e.get("amount")), after_cell(self.figure, e.get("value_after")), cells.plain(e.get("operator")),
                      cells.plain(recorded_at(e.get("recorded_at"))),
                      cells.number(str(e["position"]) if e.get("position") is not None else "-")])
            for e in doc["events"]])
        notes = [f"规则：{doc['rule']}"] if doc.get("rule") else []
        notes += [f"{p['code']} {p['name']}：{p['score'] or '-'} / {p['weight']} 分。{p['explanation']}"
                  for p in doc.get("parts", ())]
        self.query_one("#explain-note", Static).update(Text("\n".join(notes)))
