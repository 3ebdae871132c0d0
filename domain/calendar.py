"""Fiscal-year dates and 序时进度 (time progress)."""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal

from bpt.domain.refusal import Refusal
from bpt.domain.text import typed


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str, field: str = "日期") -> date:
    """Strictly ``YYYY-MM-DD`` (full-width digits allowed): not ``20210315`` nor ``2021-W10-1``,
    which ``date.fromisoformat`` also accepts."""
    raw = typed(text)
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise Refusal(field, f"日期格式应为 YYYY-MM-DD，收到“{text}”") from None


def check_year(year: int, field: str = "预算年度") -> int:
    """A fiscal year a date can express, with its neighbours (1900–9998)."""
    if not isinstance(year, int) or not 1900 <= year <= 9998:
        raise Refusal(field, f"“{year}”不是有效的预算年度（1900–9998）")
    return year


def check_in_year(d: date, year: int, field: str = "日期") -> date:
    if d.year != year:
        raise Refusal(field, f"{d.isoformat()} 不在 {year} 预算年度内")
    return d


def time_progress(as_of: date, year: int) -> Decimal:
    """序时进度: the share of the fiscal year elapsed at the end of ``as_of``.

    Counted in whole months as the monitoring forms do (end of July = 7/12), with the
    current month counted by days: 2021-07-31 → 7/12, 2021-07-15 → (6 + 15/31)/12.
    Before the year → 0, after it → 1.
    """
    if as_of.year < year:
        return Decimal(0)
    if as_of.year > year:
        return Decimal(1)
    days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
    months = Decimal(as_of.month - 1) + Decimal(as_of.day) / Decimal(days_in_month)
    return months / Decimal(12)


def clamp_to_year(d: date, year: int) -> date:
    """A default date for a fiscal-year event: ``d`` pulled into the year's bounds."""
    return max(min(d, date(year, 12, 31)), date(year, 1, 1))
