"""A DataTable whose rows are replaced by key: live updates change cells in place, keep the cursor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Row = tuple[str, Sequence[Text]]
SCROLLBAR = 2  # the vertical scrollbar's width, kept free so no horizontal scrolling starts


class KeyedTable(DataTable):
    """Rows are ``(key, cells)``; ``show`` makes the table display exactly these rows.

    When the keys and their order are unchanged only the changed cells are updated
    (``update_cell``), so an update from another process does not move the cursor or the
    scroll position; otherwise the rows are rebuilt and the cursor follows its row key.
    """

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs):
        super().__init__(**kwargs)
        self.column_specs = list(columns)  # (key, label)

    @property
    def keys(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows]

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value

    @property
    def cursor_column_key(self) -> str | None:
        if not self.columns:
            return None
        return self.ordered_columns[self.cursor_column].key.value

    def room_for(self, column: str, rows: Sequence[Row]) -> int:
        """Cells left for ``column`` when every other column shows its widest cell or label line."""
        used = 0
        for i, (key, label) in enumerate(self.column_specs):
            if key != column:
                widest = max([cell_len(line) for line in label.split("\n")] + [cells[i].cell_len for _, cells in rows])
                used += widest + 2 * self.cell_padding
        return self.available_width - used - 2 * self.cell_padding

    @property
    def available_width(self) -> int:
        """Cells the columns may take without horizontal scrolling (the app's width before layout)."""
        return (self.size.width or self.app.size.width) - SCROLLBAR

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Column widths from the new rows' cells, then DataTable's own bookkeeping (virtual size).

        DataTable measures each new cell through the console (about 15 µs a cell: most of the
        time of showing 1,000 rows); every cell here is a one-line ``Text`` (tui/widgets/cells.py),
        whose width is its ``cell_len``. textual is pinned exactly: this hook is checked with it.
        """
        columns = self.ordered_columns
        for row_key in new_rows:
            if row_key in self.rows:  # a row may be gone again before the table was idle
                for column, cell in zip(columns, self.get_row(row_key)):
                    column.content_width = max(column.content_width, cell.cell_len)
        super()._update_dimensions(())

    def show(self, rows: Sequence[Row], rebuild: bool = False) -> None:
        """``rebuild``: lay the rows out afresh even if the keys are unchanged (column widths
        only grow while cells are updated in place; after a resize they must also shrink)."""
        if not self.columns:
            for key, label in self.column_specs:
                self.add_column(label, key=key)
        if not rebuild and [key for key, _ in rows] == self.keys:
            for key, cells in rows:
                for (column, _), cell in zip(self.column_specs, cells):
                    if self.get_cell(key, column) != cell:
                        self.update_cell(key, column, cell, update_width=True)
            return
        current, column = self.cursor_key, self.cursor_column
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if current in self.rows:
            self.move_cursor(row=self.get_row_index(current), column=column, animate=False)
