"""The classification columns a budget file or a payment ledger may carry, with the header
aliases of common ledger exports: 经济分类 (类 and/or 款), 功能分类, 资金性质, 是否政府采购."""

from __future__ import annotations

from bpt.domain.classification import ECON_FIELD, Classification, econ_in_class, fund_type, func_code
from bpt.domain.project import NO_CLASSIFICATION
from bpt.domain.refusal import Refusal
from bpt.projections.imports.table import Column, Row

ECON, ECON_CLASS, FUNC, FUND, PROCUREMENT = "经济分类", "经济分类（类）", "功能分类", "资金性质", "是否政府采购"
COLUMNS = (
    Column(ECON, required=False, aliases=("经济科目", "经济科目编码", "经济分类编码", "经济分类科目", "部门经济分类",
                                          "支出经济分类", "经济分类（款）", "经济科目（款）", "经济分类款")),
    Column(ECON_CLASS, required=False, aliases=("经济科目（类）", "经济分类类")),
    Column(FUNC, required=False, aliases=("功能科目", "功能科目编码", "功能分类编码", "功能分类科目", "支出功能分类")),
    Column(FUND, required=False, aliases=("资金类型", "资金性质（预算类型）")),
    Column(PROCUREMENT, required=False, aliases=("政府采购", "是否政府采购项目")),
)
_YES = {"是", "Y", "y", "YES", "yes", "1", "√", "true", "TRUE"}
_NO = {"", "否", "N", "n", "NO", "no", "0", "×", "false", "FALSE"}


def cell_classification(row: Row) -> Classification:
    """The row's classification; a 款 must lie under the row's 类 when both are given."""
    cells = row.cells
    if not any(cells.get(c.name) for c in COLUMNS):  # a ledger without these columns: one shared value
        return NO_CLASSIFICATION
    flag = row[PROCUREMENT].strip()
    if flag not in _YES and flag not in _NO:
        raise Refusal(PROCUREMENT, f"“{flag}”应为 是 或 否")
    return Classification(econ_in_class(row[ECON], row[ECON_CLASS], ECON_FIELD), func_code(row[FUNC], FUNC),
                          fund_type(row[FUND], FUND), flag in _YES)
