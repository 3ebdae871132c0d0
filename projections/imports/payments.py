"""`bpt import payments`: a payment ledger (支出台账), one payment per row, idempotent by voucher.

Columns: 项目编号, 凭证号, 日期, 金额, 资金来源, 摘要 (资金来源 defaults to 当年财政拨款; an
optional 项目名称 is checked against the project), and the optional classification columns
(``bpt.projections.imports.classified``: 经济分类, 功能分类, 资金性质, 是否政府采购). A voucher
already recorded on the project with the same 金额, 日期, 资金来源 and classification is
skipped; with different data the row is refused (摘要, free text, is not compared).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from bpt.domain.classification import Classification
from bpt.domain.money import fmt_yuan
from bpt.domain.refusal import Refusal
from bpt.domain.text import normal
from bpt.projections.imports.batch import Batch
from bpt.projections.imports import classified
from bpt.projections.imports.cells import cell_amount, cell_date, cell_source, required
from bpt.projections.imports.result import ImportResult
from bpt.projections.imports.table import Column, Row
from bpt.projections.imports.tabular import TableKind

PAYMENT = "支出"
COLUMNS = (Column("项目编号", aliases=("项目代码",)), Column("凭证号", aliases=("凭证编号", "记账凭证号")),
           Column("日期", aliases=("支付日期", "支出日期", "记账日期")), Column("金额", aliases=("支出金额", "支付金额")),
           Column("资金来源", required=False), Column("摘要", required=False, aliases=("用途", "备注")),
           Column("项目名称", required=False), *classified.COLUMNS)


class PaymentRow(NamedTuple):  # immutable, and built 5x faster than a frozen dataclass (one per row)
    number: int
    project: str
    voucher: str
    on: date
    amount: Decimal
    source: str
    note: str
    name: str
    classification: Classification


def parse(row: Row, units: dict[str, str]) -> PaymentRow:
    return PaymentRow(row.number, normal("project", required(row["项目编号"], "项目编号")),
                      normal("voucher", required(row["凭证号"], "凭证号")),
                      cell_date(row["日期"]), cell_amount(row["金额"], "金额", units.get("金额", "")),
                      cell_source(row["资金来源"]), row["摘要"], row["项目名称"], classified.cell_classification(row))


def apply(batch: Batch, row: PaymentRow, operator: str, result: ImportResult) -> None:
    p = batch.project(row.project, row.name)
    recorded = p.payments.get(row.voucher)
    if recorded is not None:
        if ((recorded["amount"], recorded["date"], recorded["source"], Classification.of(recorded))
                == (row.amount, row.on, row.source, row.classification)):
            result.skipped_duplicates += 1
            return
        raise Refusal("凭证号", f"{row.voucher} 已记录在项目 {p.code}：{fmt_yuan(recorded['amount'])} 元，"
                                f"{recorded['date'].isoformat()}，{recorded['source']}；与本行不同")
    p.pay(row.amount, row.source, row.voucher, row.on, operator, row.note, row.classification)
    batch.touch(p)
    result.record(row.number, lambda: f"{p.code} 支出 {fmt_yuan(row.amount)} 元（{row.voucher}，{row.on.isoformat()}）",
                  PAYMENT, row.amount)


PAYMENTS = TableKind("payments", "支出台账", COLUMNS, parse, apply)
