"""``bpt projections status|rebuild [VIEW]|run``: the SQL views and the process that keeps them."""

from __future__ import annotations

import threading
import time

import click

from bpt.tui.cli.base import Lazy, cli, db_option, echo_json, json_option, session


@cli.group("projections")
def projections() -> None:
    """视图（读模型）：进度、重建、持续更新。"""


@projections.command("status")
@json_option
@db_option
@click.pass_context
def status(ctx, as_json, db) -> None:
    """各视图已处理到的事件位置，与事件库最新位置对照。"""
    from bpt.projections.views import runner
    from bpt.tui.render import projections_table

    at = runner.positions(session(ctx))
    head = max((h for _, h in at.values()), default=0)
    doc = {"head": head, "views": [{"view": name, "position": position, "head": h, "behind": max(h - position, 0)}
                                   for name, (position, h) in at.items()]}
    if as_json:
        echo_json(doc)
    else:
        click.echo(projections_table(doc))


@projections.command("rebuild")
@click.argument("view", required=False)
@click.option("--batch-size", type=click.IntRange(min=1), default=Lazy("bpt.projections.views.runner:REBUILD_BATCH_SIZE"),
              show_default=True, help="每个事务处理的事件数")
@db_option
@click.pass_context
def rebuild(ctx, view, batch_size, db) -> None:
    """从零重建视图 VIEW（execution、indicators、scores；默认全部；得分视图随之重算）。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from bpt.projections.views import runner

    bpt = session(ctx)
    names = runner.view_names([view] if view else None)
    started = time.perf_counter()
    columns = (TextColumn("重建视图"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("rebuild", total=None)
        applied = runner.rebuild(bpt, [view] if view else None,
                                 lambda at, head: bar.update(task, completed=at, total=head), batch_size)
    seconds = time.perf_counter() - started
    click.echo(f"已重建视图 {'、'.join(names)}：{applied} 个事件，用时 {seconds:.1f} 秒"
               f"（{applied / seconds if seconds > 0 else 0:,.0f} 事件/秒）")


@projections.command("run")
@click.option("--batch-size", type=click.IntRange(min=1), default=Lazy("bpt.projections.views.runner:BATCH_SIZE"), show_default=True)
@db_option
@click.pass_context
def run(ctx, batch_size, db) -> None:
    """持续更新视图（PostgreSQL 用 LISTEN/NOTIFY，SQLite 轮询）；Ctrl-C 退出。"""
    from bpt.projections.views import runner

    bpt = session(ctx)
    stop = threading.Event()
    click.echo(f"投影进程已启动：{bpt.db.public_url}（Ctrl-C 退出）")
    try:
        runner.run_live(bpt, stop, lambda applied: click.echo(f"已应用 {applied} 个事件"), batch_size)
    except KeyboardInterrupt:
        stop.set()
    click.echo("投影进程已停止")
