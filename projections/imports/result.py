"""What an import did (or, in a dry run, would do): counts, refused rows, summary lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from bpt.domain.money import ZERO, fmt_yuan

# Dry runs list what they would record; beyond this many rows the list is cut (counts stay exact).
PLANNED_LIMIT = 10_000


@dataclass
class ImportResult:
    kind: str
    path: str
    year: int
    dry_run: bool
    recorded: int = 0  # rows recorded (in a dry run: rows that would be recorded)
    skipped_duplicates: int = 0  # rows already recorded (same data): nothing to do
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)
    summary: list[str] = field(default_factory=list)
    planned: list[tuple[int, str]] = field(default_factory=list)  # dry run: (row, what would be recorded)
    counts: Counter = field(default_factory=Counter)  # what was recorded, by kind of row (年初预算, 支出 …)
    amounts: dict[str, Decimal] = field(default_factory=dict)  # amount recorded, by kind of row

    @property
    def ok(self) -> bool:
        return not self.refused

    def record(self, row: int, what: Callable[[], str], kind: str, amount: Decimal | None = None) -> None:
        """Count a recorded row; ``what()`` describes it, called only for a dry run's list."""
        self.recorded += 1
        self.counts[kind] += 1
        if amount is not None:
            self.amounts[kind] = self.amounts.get(kind, ZERO) + amount
        if self.dry_run and len(self.planned) < PLANNED_LIMIT:
            self.planned.append((row, what()))

    def refuse(self, row: int, column: str, reason: str) -> None:
        self.refused.append((row, column, reason))

    def finish(self, notes: list[str]) -> ImportResult:
        """Sort the refusals by row and write the summary lines (``notes`` first)."""
        self.refused.sort(key=lambda r: r[0])
        if self.refused and not self.dry_run:
            self.recorded = 0
            self.counts.clear()
            self.amounts.clear()
        kinds = "，".join(f"{kind} {n} 行" + (f"（合计 {fmt_yuan(self.amounts[kind])} 元）" if kind in self.amounts else "")
                         for kind, n in self.counts.items())
        if not self.dry_run:
            head = (f"{len(self.refused)} 行被拒绝，未记录任何内容（整个文件全部通过才记录）" if self.refused
                    else f"已记录 {self.recorded} 行" + (f"：{kinds}" if kinds else ""))
        else:
            head = f"试运行，未写入：可记录 {self.recorded} 行" + (f"：{kinds}" if kinds else "")
            if self.refused:
                head += f"；{len(self.refused)} 行被拒绝（正式导入时整个文件都不会记录）"
        self.summary = [*notes, head]
        if self.skipped_duplicates:
            self.summary.append(f"{self.skipped_duplicates} 行此前已记录（内容相同），跳过")
        return self

    def as_dict(self) -> dict:
        return {"kind": self.kind, "path": self.path, "year": self.year, "dry_run": self.dry_run, "ok": self.ok,
                "recorded": self.recorded, "skipped_duplicates": self.skipped_duplicates,
                "refused": [{"row": r, "column": c, "reason": m} for r, c, m in self.refused],
                "summary": self.summary, "planned": [{"row": r, "what": w} for r, w in self.planned],
                "counts": dict(self.counts), "amounts": {k: fmt_yuan(v) for k, v in self.amounts.items()}}
