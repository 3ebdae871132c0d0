"""Table cells and small helpers of the TUI (no storage, no app)."""

from __future__ import annotations

import unicodedata
from datetime import date

from rich.cells import cell_len

from bpt.tui.screens.overview import month_end, sort_key
from bpt.tui.widgets import cells


def test_clip_fits_the_width_in_terminal_cells_without_ambiguous_glyphs():
    for width in range(2, 14):
        clipped = cells.clip("市直机关纪检办案工作经费", width)
        assert cell_len(clipped) <= width
        assert all(unicodedata.east_asian_width(c) != "A" for c in clipped)
    assert cells.clip("党员活动经费", 12) == "党员活动经费"
    assert cells.clip("党员活动经费", 9) == "党员活动~"


def test_pad_counts_a_chinese_character_as_two_cells():
    assert cells.pad("执行率", 9, right=True) == "   执行率"
    assert cells.pad("月份", 5) == "月份 "


def test_figures_are_shown_in_wan_and_percent_with_the_warning_word():
    assert cells.wan("154800.00").plain == "15.48"
    assert cells.wan("5.00").plain == "0.00"
    assert cells.percent("0.7036").plain == "70.36%"
    assert cells.percent(None).plain == "-"
    assert [cells.warning(w).plain for w in ("red", "yellow", "green")] == ["落后", "偏慢", "正常"]


def test_month_end_steps_whole_months_across_years():
    assert month_end(date(2021, 12, 31), -1) == date(2021, 11, 30)
    assert month_end(date(2021, 3, 15), -1) == date(2021, 2, 28)
    assert month_end(date(2021, 12, 1), 1) == date(2022, 1, 31)
    assert month_end(date(2021, 1, 31), -1) == date(2020, 12, 31)


def test_sorting_puts_rows_without_a_value_last_and_warnings_by_severity():
    rows = [{"execution_rate": None, "warning": "green"}, {"execution_rate": "0.9000", "warning": "red"},
            {"execution_rate": "0.1000", "warning": "yellow"}]
    assert [r["execution_rate"] for r in sorted(rows, key=sort_key("execution_rate"))] == ["0.1000", "0.9000", None]
    assert [r["warning"] for r in sorted(rows, key=sort_key("warning"))] == ["red", "yellow", "green"]


def test_bpt_tui_refuses_a_database_that_was_never_initialised(bpt, tmp_path):
    missing = tmp_path / "none.db"
    result = bpt("tui", "--year", "2021", db=str(missing))
    assert result.returncode == 3  # a file unavailable, not refused input (issue 24)
    assert result.stderr.strip().splitlines() == [f"错误：数据库：{missing} 尚未初始化，请先运行 bpt init"]
    assert not missing.exists()


def test_names_that_begin_alike_lose_their_shared_start_when_cut():
    names = ["市直机关工会工作经费", "市直机关纪检办案工作经费", "党员活动经费", "人员经费"]
    assert cells.shortened(names, 10) == ["~工会工作~", "~纪检办案~", "党员活动~", "人员经费"]
    assert cells.shortened(names, 40) == names  # names that fit are shown whole
    assert all(cells.cell_len(n) <= 8 for n in cells.shortened(names, 8))
