"""Verbs that show data: status."""

from __future__ import annotations

from datetime import date

import click

from bpt.domain.calendar import parse_date
from bpt.tui.cli.base import cli, db_option, echo_json, json_option, session, year_option


@cli.command("status")
@click.option("--dept", default=None, help="只看一个部门")
@year_option
@click.option("--as-of", "as_of", default=None, help="截至日期（生效日期口径，默认今天或年末）")
@click.option("--red-below", default=None, help="执行率/序时进度低于此值为红色预警（默认 60%，或 BPT_WARNING_RED_BELOW）")
@click.option("--yellow-below", default=None,
              help="执行率/序时进度低于此值为黄色预警（默认 80%，或 BPT_WARNING_YELLOW_BELOW）")
@json_option
@db_option
@click.pass_context
def status(ctx, dept, year, as_of, red_below, yellow_below, as_json, db) -> None:
    """各项目预算执行与实时得分。"""
    from bpt.projections.views.queries import Thresholds
    from bpt.projections.views.status import status as compute_status
    from bpt.tui.render import status_table

    when = parse_date(as_of, "截至日期") if as_of else min(date.today(), date(year, 12, 31))
    doc = compute_status(session(ctx), year, when, dept, Thresholds.parse(red_below, yellow_below))
    if as_json:
        echo_json(doc)
    else:
        click.echo(status_table(doc))
