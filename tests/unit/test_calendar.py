from datetime import date
from decimal import Decimal

from bpt.domain.calendar import time_progress
from bpt.domain.figures import warning_level


def test_time_progress_counts_months_and_days():
    assert time_progress(date(2021, 7, 31), 2021) == Decimal(7) / 12
    assert time_progress(date(2021, 12, 31), 2021) == 1
    assert time_progress(date(2020, 12, 31), 2021) == 0
    assert time_progress(date(2022, 1, 1), 2021) == 1
    assert Decimal(6) / 12 < time_progress(date(2021, 7, 15), 2021) < Decimal(7) / 12


def test_warning_levels_follow_the_ratio_to_time_progress():
    progress = Decimal(7) / 12
    assert warning_level(progress * Decimal("0.59"), progress) == "red"
    assert warning_level(progress * Decimal("0.60"), progress) == "yellow"
    assert warning_level(progress * Decimal("0.79"), progress) == "yellow"
    assert warning_level(progress * Decimal("0.80"), progress) == "green"
    assert warning_level(None, progress) == "red"
