"""A table as shown on screen, saved as xlsx (numbers as numeric cells) or csv, in the working folder."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence

from bpt.projections.reports.layout import Grid, save_atomically


def export_table(name: str, columns: Sequence[tuple[str, str]], rows: list[list[str]], kind: str) -> str:
    """Write ``rows`` under the column labels to ``bpt-<name>.<kind>``; returns the file's path."""
    labels = [label.replace("\n", "") for _, label in columns]
    path = os.path.join(os.getcwd(), f"bpt-{name}.{kind}")
    if kind == "csv":
        def write(tmp: str) -> None:
            with open(tmp, "w", newline="", encoding="utf-8-sig") as f:  # the BOM lets Excel read UTF-8
                csv.writer(f).writerows([labels, *rows])
    else:
        from bpt.projections.reports.render_xlsx import text_width, write_workbook  # xlsxwriter loads only here

        widths = [max(8, *(text_width(r[c]) + 2 for r in (labels, *rows))) for c in range(len(labels))]
        grid = Grid(name[:31], "项目预算执行情况", name, "金额单位：万元", widths)
        grid.add(labels, header=True)
        for row in rows:
            grid.add(row)

        def write(tmp: str) -> None:
            write_workbook(tmp, [grid])
    save_atomically(path, write)
    return path
