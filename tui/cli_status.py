"""Verbs that show data: status."""

from __future__ import annotations

from datetime import date

import click

from domain.calendar import parse_date
from projections.status import status as compute_status
from tui.cli import cli, db_option, echo_json, json_option, session, year_option
from tui.render import status_table


@cli.command("status")
@click.option("--dept", default=None, help="只看一个部门")
@year_option
@click.option("--as-of", "as_of", default=None, help="截至日期（生效日期口径，默认今天或年末）")
@json_option
@db_option
@click.pass_context
def status(ctx, dept, year, as_of, as_json, db) -> None:
    """各项目预算执行与实时得分。"""
    when = parse_date(as_of, "截至日期") if as_of else min(date.today(), date(year, 12, 31))
    doc = compute_status(session(ctx), year, when, dept)
    if as_json:
        echo_json(doc)
    else:
        click.echo(status_table(doc))
