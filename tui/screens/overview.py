"""The overview: departments with their roll-ups, then the projects of the selected department."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from bpt.domain.calendar import clamp_to_year
from bpt.projections.views.queries import ALL_KINDS
from bpt.tui.screens.detail import DetailScreen
from bpt.tui.screens.explain import ExplainScreen, figure_of_column
from bpt.tui.screens.forms import DateDialog, SearchDialog
from bpt.tui.widgets.export import export_table
from bpt.tui.screens.readmodel import ReadModel
from bpt.tui.widgets import cells
from bpt.tui.widgets.keyed_table import KeyedTable
from bpt.tui.screens.forms import RECORDING_BINDINGS

DEPARTMENT_COLUMNS = [
    ("dept", "部门"), ("name", "部门名称"), ("projects", "项目\n个数"), ("initial_budget", "年初\n预算数"),
    ("adjusted_budget", "全年\n预算数"), ("executed", "全年\n执行数"), ("execution_rate", "执行率"),
    ("red", "落后"), ("yellow", "偏慢"), ("score", "得分"), ("grade", "评价\n等次"),
]
PROJECT_COLUMNS = [
    ("project", "编号"), ("name", "项目名称"), ("initial_budget", "年初\n预算数"),
    ("adjusted_budget", "全年\n预算数"), ("executed", "全年\n执行数"), ("execution_rate", "执行率"),
    ("time_progress", "序时\n进度"), ("warning", "预警"), ("total_score", "得分"), ("grade", "评价\n等次"),
]
AMOUNT_KEYS = ("initial_budget", "adjusted_budget", "executed")
NUMBER_KEYS = (*AMOUNT_KEYS, "execution_rate", "time_progress", "total_score")
SEVERITY = {"red": 0, "yellow": 1, "green": 2}
# `w` cycles through these (None: every project).
WARNING_FILTERS = (None, "red", "yellow", "green")
NAME_WIDTHS = (8, 40)  # the name column's width in cells: at least, at most


def project_cells(row: dict) -> list:
    return [
        cells.plain(row["project"]), cells.plain(row["name"]),
        *(cells.wan(row[k]) for k in AMOUNT_KEYS),
        cells.percent(row["execution_rate"]), cells.percent(row["time_progress"]),
        cells.warning(row["warning"]), cells.score(row.get("total_score")), cells.plain(row.get("grade") or "-"),
    ]


def department_cells(row: dict) -> list:
    """A department's 合计 over all its projects (项目支出 and 基本支出) and its score."""
    total = row["groups"][ALL_KINDS]
    return [
        cells.plain(row["dept"]), cells.plain(row["name"]), cells.number(str(total["projects"])),
        *(cells.wan(total[k]) for k in AMOUNT_KEYS), cells.percent(total["execution_rate"]),
        cells.number(str(total["warnings"]["red"])), cells.number(str(total["warnings"]["yellow"])),
        cells.score(row["score"]), cells.plain(row["grade"] or "-"),
    ]


def sort_key(column: str):
    """Sort key of a project row by one column; rows without a value go last."""
    def key(row: dict):
        value = row.get(column)
        if column == "warning":
            return (0, SEVERITY[value])
        if value is None:
            return (1, Decimal(0))
        return (0, Decimal(value)) if column in NUMBER_KEYS else (0, str(value))
    return key


def month_end(d: date, months: int) -> date:
    """The last day of the month ``months`` away from ``d``'s month."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


class OverviewScreen(Screen):
    BINDINGS = [
        Binding("e", "explain", "解释"),
        *RECORDING_BINDINGS,
        Binding("d", "as_of", "截至日期"),
        Binding("left_square_bracket", "month(-1)", "上月末", show=False),
        Binding("right_square_bracket", "month(1)", "下月末", show=False),
        Binding("w", "filter", "预警筛选"),
        Binding("s", "sort", "排序"),
        Binding("slash", "search", "查找", show=False),  # the footer is full at 80 columns; ? lists it
        Binding("x", "export", "导出", show=False),
    ]
    # Command palette entries that only make sense here (action, title, help).
    COMMANDS_HERE = [
        ("as_of", "截至日期", "按生效日期查看某一天的执行情况"),
        ("filter", "按预警筛选", "依次显示：全部、落后、偏慢、正常"),
        ("sort", "按当前列排序", "再按一次反向"),
        ("explain", "解释当前数字", "列出产生该数字的事件"),
        ("search", "查找项目", "按编号或名称筛选项目（/）"),
        ("export('xlsx')", "导出当前表格（Excel）", "把屏幕上的项目表存为 xlsx（工作目录）"),
        ("export('csv')", "导出当前表格（CSV）", "把屏幕上的项目表存为 csv（工作目录）"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.dept: str | None = None
        self.rollups: list[dict] = []
        self.rows: list[dict] = []
        # The cells of each row, made once per read (sorting, filtering and resizing reuse them).
        self.department_rows: list[tuple[str, list]] = []
        self.project_cells: dict[str, list] = {}
        self.fitted: dict[str, tuple[int, int]] = {}  # table → (its width, its names' width) when last shown
        self.sort_column = "project"
        self.sort_reverse = False
        self.warning_filter: str | None = None
        self.search = ""  # a code or a part of a name: only the projects that match are listed

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="filters")
        yield KeyedTable(DEPARTMENT_COLUMNS, id="departments", cursor_type="row", header_height=2)
        yield KeyedTable(PROJECT_COLUMNS, id="projects", cursor_type="cell", header_height=2, fixed_columns=2)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#projects").focus()

    def show_fitted(self, table: str, rows: list[tuple[str, list]], rebuild: bool = False) -> None:
        """Show rows (their names in full) with the names clipped to the width the other columns leave free."""
        widget = self.query_one(table, KeyedTable)
        width = max(NAME_WIDTHS[0], min(NAME_WIDTHS[1], widget.room_for("name", rows)))
        unchanged = self.fitted.get(table, (0, None))[1] == width
        self.fitted[table] = (widget.available_width, width)
        if rebuild and unchanged:
            return  # resized, but every column keeps its width: nothing to lay out again
        names = cells.shortened([row_cells[1].plain for _, row_cells in rows], width)
        widget.show([(key, [row_cells[0], cells.plain(name), *row_cells[2:]])
                     for (key, row_cells), name in zip(rows, names)], rebuild)

    # -- data: ``fetch`` only reads (it may run on the live-update thread), ``show_data`` shows --

    def fetch(self, readmodel: ReadModel, as_of: date) -> dict:
        rollups = readmodel.rollups(as_of)
        dept = self.dept or (rollups[0]["dept"] if rollups else None)
        return {"as_of": as_of, "dept": dept, "rollups": rollups,
                "rows": readmodel.projects(as_of, dept) if dept else []}

    def show_data(self, data: dict) -> None:
        if data["as_of"] != self.app.as_of or self.dept not in (None, data["dept"]):
            return  # read before the user moved on; what the user asked for is already shown
        self.rollups, self.dept = data["rollups"], data["dept"]
        self.department_rows = [(r["dept"], department_cells(r)) for r in self.rollups]
        self.show_fitted("#departments", self.department_rows)
        self.set_rows(data["rows"])

    def refresh_data(self) -> None:
        self.show_data(self.fetch(self.app.readmodel, self.app.as_of))

    def load_projects(self) -> None:
        self.set_rows(self.app.readmodel.projects(self.app.as_of, self.dept) if self.dept else [])

    def set_rows(self, rows: list[dict]) -> None:
        self.rows = rows
        self.project_cells = {r["project"]: project_cells(r) for r in rows}
        self.show_projects()

    def shown_projects(self) -> list[tuple[str, list]]:
        """The rows the warning filter and the search let through, in the chosen order."""
        needle = self.search.casefold()
        rows = [r for r in self.rows if self.warning_filter in (None, r["warning"])
                and (needle in r["project"].casefold() or needle in r["name"].casefold())]
        rows.sort(key=sort_key(self.sort_column), reverse=self.sort_reverse)
        return [(r["project"], self.project_cells[r["project"]]) for r in rows]

    def show_projects(self) -> None:
        self.show_fitted("#projects", self.shown_projects())
        self.show_status()

    def show_status(self) -> None:
        """The status line: the project under the cursor in full (names are clipped in the
        table on narrow terminals), how many rows the filter lets through, the sort order."""
        table = self.query_one("#projects", KeyedTable)
        current = table.cursor_key and self.project_cells.get(table.cursor_key)
        label = dict(PROJECT_COLUMNS)[self.sort_column].replace("\n", "")
        warning = cells.WARNING_WORDS.get(self.warning_filter, "全部")
        self.query_one("#filters", Static).update(Text(
            f"{current[0].plain + ' ' + current[1].plain if current else '（无项目）'}｜"
            f"{table.row_count}/{len(self.rows)} 项｜预警：{warning}｜{f'查找：{self.search}｜' if self.search else ''}"
            f"排序：{label}{'降序' if self.sort_reverse else '升序'}｜万元"), layout=False)  # one line, fixed height

    def on_resize(self) -> None:
        """Names get the width the new size leaves; the cursors stay on their rows. A table of the
        width it was shown at is left as it is (laying out 1,000 rows again is not free)."""
        for table, rows in (("#departments", lambda: self.department_rows), ("#projects", self.shown_projects)):
            if table in self.fitted and self.fitted[table][0] != self.query_one(table, KeyedTable).available_width:
                self.show_fitted(table, rows(), rebuild=True)

    # -- events ---------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "departments" and event.row_key.value != self.dept:
            self.dept = event.row_key.value
            self.load_projects()

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        if event.data_table.id == "projects":
            self.show_status()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        if event.data_table.id == "projects":
            self.app.push_screen(DetailScreen(event.cell_key.row_key.value))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id == "projects":
            self.sort_by(event.column_key.value)

    def current_project(self) -> str | None:
        return self.query_one("#projects", KeyedTable).cursor_key

    # -- actions --------------------------------------------------------------------------

    def action_explain(self) -> None:
        table = self.query_one("#projects", KeyedTable)
        project = table.cursor_key
        figure = figure_of_column(table.cursor_column_key)
        if project is None or figure is None:
            self.notify("请把光标移到一个项目的数字上（年初预算数、全年预算数、全年执行数、执行率、得分）",
                        severity="warning")
            return
        self.app.push_screen(ExplainScreen(project, figure))

    def action_sort(self) -> None:
        self.sort_by(self.query_one("#projects", KeyedTable).cursor_column_key or "project")

    def sort_by(self, column: str) -> None:
        """Sort the projects by ``column``; the same column again reverses the order."""
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column = column
        self.show_projects()

    def action_filter(self) -> None:
        index = WARNING_FILTERS.index(self.warning_filter)
        self.warning_filter = WARNING_FILTERS[(index + 1) % len(WARNING_FILTERS)]
        self.show_projects()

    def action_search(self) -> None:
        self.app.push_screen(SearchDialog(self.search), self._set_search)

    def _set_search(self, text: str | None) -> None:
        if text is not None:
            self.search = text
            self.show_projects()

    def action_export(self, kind: str = "xlsx") -> None:
        """The project table as shown (filter, search and order; names in full) into the working folder."""
        rows = [[cell.plain for cell in row_cells] for _, row_cells in self.shown_projects()]
        path = export_table(f"{self.app.year}-{self.dept}-{self.app.as_of.isoformat()}", PROJECT_COLUMNS, rows,
                            kind)
        self.notify(f"已导出 {len(rows)} 行：{path}", title="导出")

    def action_as_of(self) -> None:
        self.app.push_screen(DateDialog(self.app.as_of), self._set_as_of)

    def action_month(self, months: int) -> None:
        self._set_as_of(clamp_to_year(month_end(self.app.as_of, months), self.app.year))

    def _set_as_of(self, as_of: date | None) -> None:
        if as_of is not None and as_of != self.app.as_of:
            self.app.set_as_of(as_of)
