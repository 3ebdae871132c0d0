"""A DataTable whose rows are replaced by key: live updates change cells in place, keep the cursor."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

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
        width = (self.size.width or self.app.size.width) - SCROLLBAR
        return width - used - 2 * self.cell_padding

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
