"""`bpt tui`: the terminal UI on the same data as the command line."""

from __future__ import annotations

import os
from datetime import date

import click

from bpt.domain.calendar import parse_date
from bpt.tui.cli.base import cli, db_option, operator_option, session, year_option


@cli.command("tui")
@year_option
@click.option("--as-of", "as_of", default=None, help="截至日期（生效日期口径，默认今天或年末）")
@operator_option
@db_option
@click.pass_context
def tui(ctx, year, as_of, operator, db) -> None:
    """终端界面：预算执行总览、项目明细、录入表单，其他人记录时实时更新。"""
    from bpt.projections.views.runner import catch_up
    from bpt.tui.app import BptApp  # textual loads only for this verb

    when = parse_date(as_of, "截至日期") if as_of else min(date.today(), date(year, 12, 31))
    bpt = session(ctx)
    bpt.app  # refuses a database `bpt init` has not created, before the screen opens
    catch_up(bpt)  # and one without its views; the first screen then reads current views
    # With neither --operator nor BPT_OPERATOR the TUI asks who records, instead of the login name.
    BptApp(bpt, year, when, operator or os.environ.get("BPT_OPERATOR") or None).run()
