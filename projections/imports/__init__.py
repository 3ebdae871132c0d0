"""Bulk imports from spreadsheets: 绩效目标申报表 (targets), budget documents, payment ledgers.

``import_file`` reads a whole file, checks every row against the aggregates loaded in memory
with the domain's own commands, and records all of it in one transaction or nothing at all.
A file that cannot be read as the kind asked for (wrong type, no header, missing columns) is
refused with ``Refusal``; refused rows come back in ``ImportResult.refused`` with their row
number and column. Column layouts: docs/imports.md.
"""

from __future__ import annotations

from bpt.domain.refusal import Refusal
from bpt.projections.imports.budget import BUDGET
from bpt.projections.imports.payments import PAYMENTS
from bpt.projections.imports.result import ImportResult
from bpt.projections.imports.tabular import Progress, import_table
from bpt.projections.imports.targets import import_targets
from bpt.projections.store.service import Bpt

KINDS = ("targets", "budget", "payments")
_TABLES = {"budget": BUDGET, "payments": PAYMENTS}


def import_file(bpt: Bpt, kind: str, path, year: int, *, dry_run: bool, operator: str,
                progress: Progress | None = None) -> ImportResult:
    """Import ``path`` as ``kind`` (targets | budget | payments) into fiscal ``year``.

    ``progress(done, total)`` is called as rows are read and checked (total may be None).
    A real run records everything or, if any row is refused, nothing; a dry run records nothing.
    """
    if kind == "targets":
        return import_targets(bpt, path, year, dry_run=dry_run, operator=operator, progress=progress)
    if kind not in _TABLES:
        raise Refusal("导入类型", f"“{kind}”不是可选值（可选：{'、'.join(KINDS)}）")
    return import_table(bpt, _TABLES[kind], path, year, dry_run=dry_run, operator=operator, progress=progress)


__all__ = ["KINDS", "ImportResult", "import_file"]
