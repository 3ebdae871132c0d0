"""Hostile import files (issue 24): refused in one line before they are parsed, in bounded memory,
nothing recorded."""

from __future__ import annotations

import resource
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from bpt.domain.refusal import Refusal
from bpt.projections.imports import import_file, sheets
from bpt.projections.imports.sheets import CELL_LIMIT, MAX_ENTRIES, MAX_UNCOMPRESSED_BYTES
from tests.conftest import initialised

Y, OP = 2021, "导入员"
HEADER = "项目编号,项目名称,凭证号,日期,金额,资金来源,摘要\n"


@pytest.fixture
def store(tmp_path):
    bpt = initialised(str(tmp_path / "bpt.db"))
    bpt.app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    bpt.app.add_project("D01", Y, "P01", "项目", operator=OP, on=date(Y, 1, 1))
    bpt.app.approve("P01", Y, Decimal("100000"), doc="批复", on=date(Y, 1, 2), operator=OP)
    yield bpt
    bpt.close()


def _bomb(path, expanded: int) -> None:
    """A real workbook whose sheet part is padded to ``expanded`` bytes: a few hundred KB on disk."""
    wb = Workbook()
    wb.active.append(["项目编号", "凭证号"])
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    head, tail = parts[sheet].rsplit(b"</worksheet>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if name != sheet:
                out.writestr(name, data)
        with out.open(sheet, "w", force_zip64=True) as f:
            f.write(head)
            chunk = b" " * (1 << 20)
            for _ in range(expanded // len(chunk)):
                f.write(chunk)
            f.write(b"</worksheet>" + tail)


def _head(store) -> int:
    return store.app.recorder.max_notification_id()


def test_a_zip_bomb_is_refused_before_it_is_opened_in_bounded_memory(store, bpt, tmp_path):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, MAX_UNCOMPRESSED_BYTES + (64 << 20))
    assert path.stat().st_size < 4 << 20
    head = _head(store)
    done = bpt("import", "payments", str(path), "--year", str(Y), db=store.db.url)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("错误：")]
    assert len(lines) == 1 and "解压后" in lines[0] and "超过上限" in lines[0], done.stderr
    assert _head(store) == head
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    assert peak_kb < 500 * 1024


def test_a_workbook_of_too_many_parts_is_refused(store, tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        for i in range(MAX_ENTRIES + 1):
            out.writestr(f"x/{i}", b"")
    with pytest.raises(Refusal, match="内部文件"):
        import_file(store, "payments", path, Y, dry_run=False, operator=OP)


def test_a_cell_longer_than_excel_allows_is_refused(store, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(HEADER + f"P01,项目,记-1,2021-03-01,100,当年财政拨款,{'长' * (CELL_LIMIT + 1)}\n",
                    encoding="utf-8")
    head = _head(store)
    with pytest.raises(Refusal, match="32767"):
        import_file(store, "payments", path, Y, dry_run=False, operator=OP)
    assert _head(store) == head


def test_a_csv_over_the_size_limit_is_refused_unread(store, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "P01,项目,记-1,2021-03-01,100,当年财政拨款,摘要\n" * 50, encoding="utf-8")
    monkeypatch.setattr(sheets, "MAX_CSV_BYTES", 1024)
    with pytest.raises(Refusal, match="超过上限"):
        import_file(store, "payments", path, Y, dry_run=False, operator=OP)


def test_import_keys_are_normalised_like_typed_ones(store, tmp_path):
    store.app.pay("P01", Y, Decimal("10"), voucher="记-0101", on=date(Y, 3, 1), operator=OP)
    path = tmp_path / "pay.csv"
    path.write_text(HEADER + "Ｐ01,项目,记－０１０１,2021-03-01,99,当年财政拨款,\n", encoding="utf-8")
    head = _head(store)
    result = import_file(store, "payments", path, Y, dry_run=False, operator=OP)
    assert [(row, column) for row, column, _ in result.refused] == [(2, "凭证号")]
    assert "记-0101 已记录在项目 P01" in result.refused[0][2]
    assert _head(store) == head


def test_a_reversal_cannot_predate_its_payment(store):
    store.app.pay("P01", Y, Decimal("10"), voucher="V1", on=date(Y, 3, 1), operator=OP)
    with pytest.raises(Refusal, match="早于凭证 V1 的支出日期"):
        store.app.reverse("P01", Y, voucher="V1", reason="错", operator=OP, on=date(Y, 2, 28))
