"""`bpt tui`: the terminal UI on the same data as the command line."""

from __future__ import annotations

import os
from datetime import date

import click

from bpt.domain.calendar import parse_date
from bpt.tui.cli.base import cli, db_option, operator_option, session


@cli.command("tui")
@click.option("--year", type=int, default=None, show_default="有数据的最近年度", help="预算年度（界面内按 y 切换）")
@click.option("--as-of", "as_of", default=None, help="截至日期（生效日期口径，默认今天或年末）")
@operator_option
@db_option
@click.pass_context
def tui(ctx, year, as_of, operator, db) -> None:
    """终端界面：预算执行总览、项目明细、录入表单，其他人记录时实时更新。"""
    from bpt.projections.views.queries import years_with_data
    from bpt.projections.views.runner import catch_up
    from bpt.tui.app import BptApp  # textual loads only for this verb

    bpt = session(ctx)
    bpt.app  # refuses a database `bpt init` has not created, before the screen opens
    catch_up(bpt)  # and one without its views; the first screen then reads current views
    if year is None:
        year = (years_with_data(bpt) or [date.today().year])[-1]
    when = parse_date(as_of, "截至日期") if as_of else min(date.today(), date(year, 12, 31))
    # With neither --operator nor BPT_OPERATOR the TUI asks who records, instead of the login name.
    BptApp(bpt, year, when, operator or os.environ.get("BPT_OPERATOR") or None).run()
