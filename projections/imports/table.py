"""A list-shaped import (budget, payments): find the header row, map its columns, yield data rows.

The header may sit below a title or a few notes; it is the first row (of the first 20) that
names every required column. Headers match after removing spaces and a trailing unit in
brackets, so “金额（万元）” is the 金额 column with bare numbers read in 万元.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bpt.domain.refusal import Refusal
from bpt.projections.imports.sheets import Sheet

HEADER_SCAN_ROWS = 20
HEADER = "表头"
SHEET = "工作表"
_UNIT_SUFFIX = re.compile(r"[（(](万元|元|万)[)）]$")
_SPACES = re.compile(r"\s+")
# A bottom line such as “合计” is a sum of the rows above, not a row to record.
TOTAL_WORDS = ("合计", "总计", "小计")


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        return header == self.name or header in self.aliases


@dataclass(slots=True)  # one per data row: frozen would set each field through object.__setattr__
class Row:
    number: int
    cells: dict[str, str]  # column name -> text ("" when empty or the column is absent)

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Table:
    sheet: Sheet
    header_row: int
    positions: dict[str, int]  # column name -> 0-based index
    units: dict[str, str]  # column name -> unit named in the header (“万元”), if any
    rows: Iterator[tuple[int, list[str]]]
    skipped_totals: int = 0

    def data(self) -> Iterator[Row | tuple[int, str, str]]:
        """Each non-empty data row; a merged cell yields (row, column, reason) instead."""
        merges = any(m.max_row > self.header_row for m in self.sheet.merges)
        for number, values in self.rows:
            first = next(filter(None, values), "")
            if not first:
                continue
            if first.replace(" ", "").startswith(TOTAL_WORDS):
                self.skipped_totals += 1
                continue
            merged = merges and self._merged(number)
            if merged:
                yield merged
                continue
            yield Row(number, {name: values[i] if i < len(values) else "" for name, i in self.positions.items()})

    def _merged(self, number: int) -> tuple[int, str, str] | None:
        for name, i in self.positions.items():
            merge = self.sheet.merge_at(number, i + 1)
            if merge and (merge.min_row, merge.min_col) != (merge.max_row, merge.max_col):
                return (number, name, f"是合并单元格（{merge.ref}），每行须单独填写，请取消合并")
        return None


def normalise(header: str) -> tuple[str, str]:
    """(column name, unit) of a header cell: “金 额（万元）” → ("金额", "万元")."""
    text = _SPACES.sub("", header).rstrip("*＊").replace("(", "（").replace(")", "）")
    m = _UNIT_SUFFIX.search(text)
    return (text[:m.start()], m.group(1)) if m else (text, "")


def find_table(sheets: list[Sheet], columns: tuple[Column, ...], what: str) -> Table:
    """The first sheet with a header row naming every required column, else a refusal saying what is missing."""
    required = [c.name for c in columns if c.required]
    best: tuple[int, Sheet, int, list[str]] | None = None  # (found, sheet, row, missing)
    for sheet in sheets:
        buffered: list[tuple[int, list[str]]] = []
        for number, values in sheet.rows:
            buffered.append((number, values))
            positions, units = _header(values, columns, sheet.name, number)
            missing = [name for name in required if name not in positions]
            if not missing:
                return Table(sheet, number, positions, units, sheet.rows)
            found = len(required) - len(missing)
            if found and (best is None or found > best[0]):
                best = (found, sheet, number, missing)
            if len(buffered) >= HEADER_SCAN_ROWS:
                break
    if best:
        _, sheet, number, missing = best
        raise Refusal(HEADER, f"工作表“{sheet.name}”第 {number} 行的表头缺少列：{'、'.join(missing)}"
                              f"（{what}需要列：{'、'.join(required)}）")
    names = "、".join(f"“{s.name}”" for s in sheets) or "（无）"
    raise Refusal(SHEET, f"在工作表 {names} 的前 {HEADER_SCAN_ROWS} 行中没有找到{what}的表头（需要列："
                         f"{'、'.join(required)}）；请确认文件和工作表是否选对")


def _header(values: list[str], columns: tuple[Column, ...], sheet: str, number: int) -> tuple[dict, dict]:
    positions: dict[str, int] = {}
    units: dict[str, str] = {}
    for i, value in enumerate(values):
        name, unit = normalise(value)
        column = next((c for c in columns if c.matches(name)), None)
        if column is None:
            continue
        if column.name in positions:
            raise Refusal(HEADER, f"工作表“{sheet}”第 {number} 行：列“{column.name}”出现了两次"
                                  f"（第 {positions[column.name] + 1} 列和第 {i + 1} 列）")
        positions[column.name] = i
        if unit:
            units[column.name] = unit
    return positions, units
