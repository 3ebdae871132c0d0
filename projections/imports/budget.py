"""`bpt import budget`: start-of-year approvals and mid-year adjustments, one row each.

Columns: 项目编号, 类型 (年初预算 | 追加 | 调减 | 上年结转), 金额, 资金来源, 文号, 日期, 原因
(资金来源 defaults to 当年财政拨款; 原因 is required for 追加/调减; an optional 项目名称 is
checked against the project), and the optional classification columns (经济分类, 功能分类, 资金性质,
是否政府采购: a 政府采购预算). A row is already recorded when the project has an event of the same
type with the same 文号, 金额, 经济分类, 资金来源 and 日期 (原因, free text, is not compared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bpt.domain.classification import Classification
from bpt.domain.money import fmt_yuan
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.text import normal
from bpt.domain.values import CARRIED, CURRENT, check_choice
from bpt.projections.imports.batch import Batch
from bpt.projections.imports import classified
from bpt.projections.imports.cells import cell_amount, cell_date, cell_source, required
from bpt.projections.imports.result import ImportResult
from bpt.projections.imports.table import Column, Row
from bpt.projections.imports.tabular import TableKind

INITIAL, INCREASE, DECREASE, CARRY = "年初预算", "追加", "调减", "上年结转"
TYPES = (INITIAL, INCREASE, DECREASE, CARRY)
_TYPE_ALIASES = {"年初预算批复": INITIAL, "年初批复": INITIAL, "年初": INITIAL, "调增": INCREASE, "追加预算": INCREASE,
                 "调减预算": DECREASE, "结转": CARRY, "上年结转资金": CARRY}
# The event each type of row records, to recognise a row recorded before.
_EVENTS = {INITIAL: ProjectYear.Approved, INCREASE: ProjectYear.Increased, DECREASE: ProjectYear.Decreased,
           CARRY: ProjectYear.CarriedOver}

COLUMNS = (Column("项目编号", aliases=("项目代码",)), Column("类型", aliases=("调整类型", "预算类型")), Column("金额"),
           Column("资金来源", required=False), Column("文号", aliases=("批复文号",)), Column("日期", aliases=("生效日期",)),
           Column("原因", required=False, aliases=("调整原因", "说明")), Column("项目名称", required=False),
           *classified.COLUMNS)


@dataclass(frozen=True)
class BudgetRow:
    number: int
    project: str
    type: str
    amount: Decimal  # > 0; the type says the direction
    source: str
    doc: str
    on: date
    reason: str
    name: str
    classification: Classification


def parse(row: Row, units: dict[str, str]) -> BudgetRow:
    kind = required(row["类型"], "类型").replace(" ", "")
    kind = check_choice(_TYPE_ALIASES.get(kind, kind), TYPES, "类型")
    amount = cell_amount(row["金额"], "金额", units.get("金额", ""), signed=True)
    if amount < 0 and kind != DECREASE:
        raise Refusal("金额", f"只有调减可以写负数，本行类型为{kind}")
    source = cell_source(row["资金来源"], default=CARRIED if kind == CARRY else CURRENT)
    if (kind == CARRY and source != CARRIED) or (kind == INITIAL and source == CARRIED):
        raise Refusal("资金来源", f"类型{kind}与资金来源{source}不符（上年结转的资金来源是{CARRIED}）")
    return BudgetRow(row.number, normal("project", required(row["项目编号"], "项目编号")), kind, abs(amount), source,
                     normal("doc", required(row["文号"], "文号")), cell_date(row["日期"]), row["原因"], row["项目名称"],
                     classified.cell_classification(row))


def apply(batch: Batch, row: BudgetRow, operator: str, result: ImportResult) -> None:
    p = batch.project(row.project, row.name)
    documents = batch.memo(("budget", p.code), lambda: _documents(batch, p))
    key = (_EVENTS[row.type].__name__, row.doc, row.amount, row.classification.econ)
    if key in documents:
        source, on = documents[key]
        if (source, on) == (row.source, row.on):
            result.skipped_duplicates += 1
            return
        raise Refusal("文号", f"{row.doc} 的{row.type} {fmt_yuan(row.amount)} 元已记录在项目 {p.code}"
                              f"（{on.isoformat()}，{source}），与本行（{row.on.isoformat()}，{row.source}）不同")
    if row.type in (INITIAL, CARRY):
        p.approve(row.amount, row.source, row.doc, row.on, operator, classification=row.classification)
    else:
        signed = row.amount if row.type == INCREASE else -row.amount
        p.adjust(signed, row.source, row.doc, row.on, row.reason, operator, classification=row.classification)
    batch.touch(p)
    documents[key] = (row.source, row.on)
    result.record(row.number, lambda: f"{p.code} {row.type} {fmt_yuan(row.amount)} 元（{row.doc}，{row.on.isoformat()}）",
                  row.type, row.amount)


def _documents(batch: Batch, p: ProjectYear) -> dict[tuple[str, str, Decimal, str], tuple[str, date]]:
    """(event type, 文号, 金额, 经济分类) -> (资金来源, 日期) of the budget events already stored."""
    types = {cls.__name__ for cls in _EVENTS.values()}
    return {(type(e).__name__, e.doc, e.amount, e.econ): (e.source, e.effective_date)
            for e in batch.app.events.get(p.id) if type(e).__name__ in types}


BUDGET = TableKind("budget", "预算批复与调整表", COLUMNS, parse, apply)
