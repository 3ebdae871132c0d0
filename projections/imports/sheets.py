"""Reading an import file into sheets of text cells: .xlsx (openpyxl) or .csv (UTF-8 or GB18030).

Every cell becomes text, because amounts must go through ``parse_amount`` like typed input:
an Excel number arrives as a binary float, and its shortest repr (``str(1234.56)`` →
"1234.56") is exactly what was typed whenever that had at most 15 significant digits; a
float that is not (0.1 + 0.2 from a formula) shows all its digits and is refused by the
amount rules instead of being rounded silently.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from bpt.domain.refusal import Refusal

FILE = "文件"
# Above this size an .xlsx is streamed (openpyxl read-only mode: no merged-cell information,
# a merged cell then reads as empty cells, which the row checks refuse as empty).
STREAM_ABOVE_BYTES = 8 * 1024 * 1024
# ... or above this much XML once uncompressed: a small file can hold a big sheet.
STREAM_ABOVE_UNCOMPRESSED = 64 * 1024 * 1024
# Hostile files (issue 24), checked before anything is parsed: an .xlsx whose parts expand to
# more than this, or with more parts than this, is refused (a zip bomb of a few MB can expand to
# gigabytes); a .csv larger than this is refused (it is read whole). A cell longer than Excel's
# own limit is refused where it is read.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_CSV_BYTES = 256 * 1024 * 1024
CELL_LIMIT = 32_767


@dataclass(frozen=True)
class Merge:
    """A merged cell range, 1-based and inclusive, with its Excel name (``A5:A7``)."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int
    ref: str

    def covers(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


@dataclass
class Sheet:
    name: str
    rows: Iterator[tuple[int, list[str]]]  # (row number as the user sees it, cell texts)
    merges: list[Merge]
    size: int | None  # number of rows, when known before reading them

    def merge_at(self, row: int, col: int) -> Merge | None:
        return next((m for m in self.merges if m.covers(row, col)), None)


def cell_text(value: object) -> str:
    """The text of a cell value as the user typed it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if len(value) > CELL_LIMIT:
            raise Refusal(FILE, f"有单元格长 {len(value)} 个字符，超过 Excel 的上限 {CELL_LIMIT}")
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)  # shortest repr; "1e+20" and 0.30000000000000004 are refused later
    if isinstance(value, (int, Decimal)):
        return str(value)
    return str(value).strip()


@contextmanager
def open_sheets(path: str | os.PathLike) -> Iterator[list[Sheet]]:
    """The sheets of ``path``; file-level problems are refused with field 文件."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise Refusal(FILE, f"找不到文件 {path}")
    if os.path.isdir(path):
        raise Refusal(FILE, f"{path} 是目录，不是文件")
    extension = os.path.splitext(path)[1].lower()
    with open(path, "rb") as f:
        head = f.read(8)
    if extension in (".xlsx", ".xlsm"):
        with _xlsx_sheets(path, head) as sheets:
            yield sheets
    elif extension == ".csv":
        yield [_csv_sheet(path, head)]
    elif extension == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refusal(FILE, f"{os.path.basename(path)} 是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入")
    else:
        raise Refusal(FILE, f"不支持的文件类型“{extension or '无扩展名'}”（支持 .xlsx 与 .csv）")


@contextmanager
def _xlsx_sheets(path: str, head: bytes) -> Iterator[list[Sheet]]:
    import openpyxl  # noqa: PLC0415 - only import verbs need it
    from openpyxl.utils.exceptions import InvalidFileException

    name = os.path.basename(path)
    if not head.startswith(b"PK"):
        raise Refusal(FILE, f"{name} 不是有效的 xlsx 文件（内容不是 Excel 工作簿；若是 CSV 请改用 .csv 扩展名）")
    expanded = _check_archive(path, name)
    stream = os.path.getsize(path) > STREAM_ABOVE_BYTES or expanded > STREAM_ABOVE_UNCOMPRESSED
    try:
        workbook = openpyxl.load_workbook(path, read_only=stream, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise Refusal(FILE, f"{name} 无法作为 xlsx 读取（{type(e).__name__}）；请在 Excel 中重新保存为 .xlsx") from None
    try:
        yield [_xlsx_sheet(ws, stream) for ws in workbook.worksheets]
    finally:
        workbook.close()


def _check_archive(path: str, name: str) -> int:
    """The uncompressed size of the workbook's parts, refused above the limits before opening."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise Refusal(FILE, f"{name} 无法作为 xlsx 读取（{type(e).__name__}）；请在 Excel 中重新保存为 .xlsx") from None
    if len(entries) > MAX_ENTRIES:
        raise Refusal(FILE, f"{name} 含 {len(entries)} 个内部文件，超过上限 {MAX_ENTRIES}，不是正常的工作簿")
    expanded = sum(e.file_size for e in entries)
    if expanded > MAX_UNCOMPRESSED_BYTES:
        raise Refusal(FILE, f"{name} 解压后 {expanded // (1024 * 1024)} MB，超过上限 "
                            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB；请拆分为多个文件或改用 CSV")
    return expanded


def _xlsx_sheet(ws, stream: bool) -> Sheet:
    size = ws.max_row
    if stream:
        ws.reset_dimensions()  # some writers record a wrong dimension; read every row there is
    merges = [] if stream else [Merge(r.min_row, r.min_col, r.max_row, r.max_col, r.coord)
                                for r in ws.merged_cells.ranges]
    rows = ((number, [cell_text(v) for v in values])
            for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), 1))
    return Sheet(ws.title, rows, merges, size)


def _csv_sheet(path: str, head: bytes) -> Sheet:
    name = os.path.basename(path)
    if head.startswith(b"PK"):
        raise Refusal(FILE, f"{name} 实际是 xlsx 工作簿，请改用 .xlsx 扩展名")
    size = os.path.getsize(path)
    if size > MAX_CSV_BYTES:
        raise Refusal(FILE, f"{name} 有 {size // (1024 * 1024)} MB，超过上限 {MAX_CSV_BYTES // (1024 * 1024)} MB；"
                            "请拆分为多个文件")
    with open(path, "rb") as f:
        data = f.read()
    if b"\x00" in data[:4096]:
        raise Refusal(FILE, f"{name} 不是文本 CSV 文件")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel writes “CSV UTF-8” with a BOM, or GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise Refusal(FILE, f"{name} 的编码无法识别（请保存为 UTF-8 CSV）")
    size = text.count("\n") + (0 if text.endswith("\n") else 1)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)  # Excel's “Unicode text” export is tab-separated
    return Sheet(os.path.splitext(name)[0], _csv_rows(name, text, delimiter), [], size)


def _csv_rows(name: str, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, 1):
            if values and max(map(len, values)) > CELL_LIMIT:
                raise Refusal(FILE, f"{name} 第 {number} 行有单元格超过 Excel 的上限 {CELL_LIMIT} 个字符")
            yield number, [v.strip() for v in values]  # cell_text of a str, without a call per cell
    except csv.Error as e:
        raise Refusal(FILE, f"{name} 第 {number + 1} 行不是有效的 CSV（{e}）") from None
