"""Verbs of the background work: ``monitor`` (双监控), ``worker``, ``jobs`` (list, send).

The workers package is imported inside each verb: other verbs do not pay for dramatiq.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import click

from bpt.domain.calendar import parse_date
from bpt.domain.money import fmt_percent
from bpt.domain.refusal import Refusal
from bpt.tui.cli.base import cli, db_option, echo_json, json_option, operator_of, operator_option, session, year_option

LEVELS = {"red": "红色", "yellow": "黄色"}


def _as_of(text: str | None, year: int) -> date:
    return parse_date(text, "截至日期") if text else min(date.today(), date(year, 12, 31))


def _percent(text: str | None) -> str:
    return fmt_percent(Decimal(text)) if text is not None else "—"


@cli.command("monitor")
@year_option
@click.option("--as-of", "as_of", default=None, help="监控截至日期（生效日期口径，默认今天或年末）")
@operator_option
@json_option
@db_option
@click.pass_context
def monitor(ctx, year, as_of, operator, as_json, db) -> None:
    """双监控：为执行进度落后于序时进度的项目发出预警（同一截至日期只发一次）。"""
    from bpt.projections.monitoring.lagging import monitor as raise_due_warnings

    doc = raise_due_warnings(session(ctx), year, _as_of(as_of, year), operator_of(operator))
    if as_json:
        echo_json(doc)
        return
    click.echo(f"截至 {doc['as_of']}（序时进度 {_percent(doc['time_progress'])}）："
               f"新发预警 {len(doc['raised'])} 条，此前已发 {len(doc['already_raised'])} 条")
    for label, entries in (("新发", doc["raised"]), ("已发", doc["already_raised"])):
        for e in entries:
            click.echo(f"  {label} {LEVELS[e['level']]}预警  {e['dept']} {e['project']} {e['name']}  "
                       f"执行率 {_percent(e['execution_rate'])}（已执行 {e['executed']} / 全年预算 {e['adjusted_budget']} 元）")


@cli.command("worker")
@click.option("--processes", "-p", type=click.IntRange(min=1), default=1, show_default=True,
              help="worker 进程数（每个进程各自连接数据库）")
@click.option("--threads", "-t", type=click.IntRange(min=1), default=4, show_default=True,
              help="每个进程的线程数（同时执行的作业数）")
@click.option("--queues", "-Q", multiple=True, help="只处理这些队列：projections、monitor、reports、imports（可重复）")
def worker(processes, threads, queues) -> None:
    """启动 dramatiq worker（需要 BPT_BROKER_URL：redis://… 或 amqp://…）。"""
    from bpt.workers.actors import worker_command
    from bpt.workers.broker import URL_ENV, broker_url

    if broker_url() is None:
        raise Refusal(URL_ENV, "未设置消息代理：嵌入模式下作业在命令中直接执行，无需 worker；"
                               "部署时设为 redis://… 或 amqp://…")
    command = worker_command(processes, threads, list(queues))
    os.execv(command[0], command)  # the dramatiq master takes over this process (and its signals)


@cli.group("jobs", invoke_without_command=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="列出最近多少个作业")
@json_option
@db_option
@click.pass_context
def jobs(ctx, limit, as_json, db) -> None:
    """各队列排队中、重试等待中、执行中和失败（死信）的作业，以及最近的作业记录。"""
    if ctx.invoked_subcommand:
        return
    from bpt.workers.queues import overview

    doc = overview(session(ctx), limit)
    if as_json:
        echo_json(doc)
        return
    click.echo(f"消息代理：{doc['broker'] or '无（嵌入模式：作业在命令中直接执行）'}")
    for q in doc["queues"]:
        running = "—" if q["in_progress"] is None else q["in_progress"]
        click.echo(f"  {q['queue']}：排队 {q['queued']}，重试等待 {q['delayed']}，执行中 {running}，失败 {q['dead']}")
        for d in q["dead_jobs"]:
            click.echo(f"    失败 {d['id']} {d['kind']} {d['args']} {d['error'] or ''}")
    click.echo("最近的作业：" if doc["jobs"] else "最近的作业：无")
    for j in doc["jobs"]:
        done = f" {j['done']}/{j['total']}" if j["total"] else ""
        click.echo(f"  {j['updated_at']} {j['id']} {j['kind']} {j['state']}{done}（第 {j['attempts']} 次）"
                   f"{'  ' + j['error'] if j['error'] else ''}")


@jobs.group("send")
def send() -> None:
    """排队一个作业（嵌入模式：立即在本命令中执行）。"""


def _send(ctx, kind: str, as_json: bool, **args) -> None:
    from bpt.workers.actors import send as send_job

    doc = send_job(kind, session(ctx).db, **args)
    if as_json:
        echo_json(doc)
    elif doc["mode"] == "queued":
        click.echo(f"已排队：{kind} 作业 {doc['job']}（队列 {doc['queue']}）")
    else:
        click.echo(f"已执行：{kind} 作业 {doc['job']}")
        echo_json({k: v for k, v in doc.items() if k not in ("mode", "state", "job", "kind")})


@send.command("catch-up")
@json_option
@db_option
@click.pass_context
def send_catch_up(ctx, as_json, db) -> None:
    """投影追赶：处理视图位置之后的全部事件。"""
    _send(ctx, "catch_up", as_json)


@send.command("monitor")
@year_option
@click.option("--as-of", "as_of", default=None, help="监控截至日期（默认今天或年末）")
@operator_option
@json_option
@db_option
@click.pass_context
def send_monitor(ctx, year, as_of, operator, as_json, db) -> None:
    """双监控预警。"""
    _send(ctx, "monitor", as_json, year=year, as_of=_as_of(as_of, year).isoformat(), operator=operator_of(operator))


@send.command("reports")
@year_option
@click.option("--dept", default=None, help="只生成一个部门（默认该年度全部部门）")
@click.option("--out", "out_dir", default="reports", show_default=True, help="输出目录（worker 须能访问）")
@click.option("--format", "formats", multiple=True, type=click.Choice(["json", "md", "xlsx", "docx"]),
              help="格式（可重复，默认全部）")
@json_option
@db_option
@click.pass_context
def send_reports(ctx, year, dept, out_dir, formats, as_json, db) -> None:
    """生成自评报告文件（按部门、年度、快照命名，已存在则跳过）。"""
    _send(ctx, "reports", as_json, year=year, dept=dept, out_dir=os.path.abspath(out_dir),
          formats=list(formats) or None)


@send.command("import")
@click.argument("kind", type=click.Choice(["targets", "budget", "payments"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@year_option
@operator_option
@json_option
@db_option
@click.pass_context
def send_import(ctx, kind, path, year, operator, as_json, db) -> None:
    """批量导入（整个文件一次事务、可重复执行）。"""
    _send(ctx, "import", as_json, kind=kind, path=os.path.abspath(path), year=year, operator=operator_of(operator))
