"""`bpt demo` (the demo year) and `bpt import targets|budget|payments` (spreadsheets)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from bpt.domain.refusal import Refusal
from bpt.tui.cli.base import cli, db_option, echo_json, json_option, operator_of, operator_option, session, year_option


@contextmanager
def progress_bar(label: str, minimum: int = 0) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on stderr (only on a terminal, and only for more than ``minimum`` steps)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda done, total: None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            if total is None or total > minimum:
                bar.update(task, completed=done, total=total)

        yield update


@cli.command("demo")
@click.option("--fresh", is_flag=True, help="替换已有的演示数据库（只替换 bpt 演示数据库）")
@operator_option
@db_option
@click.pass_context
def demo(ctx, fresh, operator, db) -> None:
    """生成演示数据：中共衡阳市直属机关工作委员会 2021 年度，及由其开启的 2022、2023 年度（默认写入 ./demo.db）。"""
    from bpt.projections.demo.year import DEFAULT_FILE, OPERATOR, create_demo

    # Only an explicit --db moves the demo elsewhere: BPT_DATABASE_URL may point at real data.
    target = db or ctx.find_root().params.get("db") or DEFAULT_FILE
    started = time.monotonic()
    with progress_bar("生成演示数据") as progress:
        result = create_demo(target, fresh=fresh, operator=operator or OPERATOR, progress=progress)
    later = "、".join(str(y) for y in result["later_years"])
    click.echo(f"演示数据已生成：{result['database']}（{result['year']} 年度 {result['name']}，由其开启 {later} 年度，"
               f"{result['projects']} 个项目，{result['events']} 个事件，用时 {time.monotonic() - started:.1f} 秒）")
    click.echo(f"查看：bpt --db {result['database']} status --year {result['year']}；"
               f"终端界面：bpt --db {result['database']} tui --year {result['year']}（按 y 切换年度）")


# Rows shown on the terminal; the full list is in --json.
SHOWN_ROWS = 200


@cli.group("import")
def import_group() -> None:
    """批量导入表格（整个文件全部通过才记录，可重复导入）。"""


def _import_command(kind: str, title: str):
    @import_group.command(kind, help=f"导入{title}（.xlsx 或 .csv；列说明见 docs/imports.md）。")
    @click.argument("file", type=click.Path(dir_okay=False))
    @year_option
    @click.option("--dry-run", is_flag=True, help="只检查并列出将记录的内容与被拒绝的行，不写入")
    @operator_option
    @json_option
    @db_option
    @click.pass_context
    def command(ctx, file, year, dry_run, operator, as_json, db) -> None:
        from bpt.projections.imports import import_file

        with progress_bar(f"导入{title}", minimum=500) as progress:
            result = import_file(session(ctx), kind, file, year, dry_run=dry_run, operator=operator_of(operator),
                                 progress=progress)
        if as_json:
            echo_json(result.as_dict())
        else:
            _print_result(result)
        if result.refused:
            row, column, reason = result.refused[0]
            raise Refusal(column, f"第 {row} 行：{reason}（共 {len(result.refused)} 行被拒绝，未记录任何内容）")

    return command


def _print_result(result) -> None:
    if result.planned:
        click.echo("将记录：")
        for row, what in result.planned[:SHOWN_ROWS]:
            click.echo(f"  第 {row} 行  {what}")
        if result.recorded > SHOWN_ROWS:
            click.echo(f"  …… 共 {result.recorded} 行")
    if result.refused:
        click.echo("被拒绝的行：")
        for row, column, reason in result.refused[:SHOWN_ROWS]:
            click.echo(f"  第 {row} 行「{column}」{reason}")
        if len(result.refused) > SHOWN_ROWS:
            click.echo(f"  …… 共 {len(result.refused)} 行（完整列表见 --json）")
    for line in result.summary:
        click.echo(line)


for _kind, _title in (("targets", "绩效目标申报表"), ("budget", "预算批复与调整"), ("payments", "支出台账")):
    _import_command(_kind, _title)
