"""Year-end verbs: close, report, explain, verify, history."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import click

from bpt.domain.calendar import parse_date
from bpt.domain.refusal import Refusal
from bpt.tui.cli.base import (LazyChoice, cli, db_option, echo_json, json_option, operator_of, operator_option, session,
                              year_option)

if TYPE_CHECKING:
    from rich.table import Table

FORMATS = ("json", "md", "xlsx", "docx")
FORMS = ("tables", "monitoring")
UNITS = ("万元", "元")


def parse_moment(text: str, field: str) -> datetime:
    """A recording time: ``2021-08-01`` means the end of that day; times without a zone are local."""
    raw = str(text).strip()
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw) + timedelta(days=1), time()) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Refusal(field, f"时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM[:SS][+08:00]，收到“{text}”") from None
    return moment if moment.tzinfo else moment.astimezone()


_RUBRIC = click.option("--rubric", default=None, help="项目评分规则（内置名称或文件；默认：已采用的或项目默认规则）")
_DEPT_RUBRIC = click.option("--dept-rubric", default=None, help="部门整体评分规则（内置名称或文件；默认：已采用的）")


@cli.command("close")
@click.argument("dept")
@year_option
@_RUBRIC
@_DEPT_RUBRIC
@operator_option
@json_option
@db_option
@click.pass_context
def close(ctx, dept, year, rubric, dept_rubric, operator, as_json, db) -> None:
    """年终：出具部门年度绩效自评（快照事件）；输出快照编号。"""
    from bpt.projections.reports.snapshots import close as issue

    done = issue(session(ctx), dept, year, operator=operator_of(operator), rubric=rubric, dept_rubric=dept_rubric)
    if as_json:
        echo_json(done)
        return
    click.echo(done["snapshot"])
    click.echo(f"已出具 {dept} {year} 年度绩效自评第 {done['version']} 版：总分 {done['total_score']}（{done['grade']}），"
               f"事件位置 {done['position']}，内容哈希 {done['hash'][:16]}…，评分规则 {done['rubric']['name']}")


@cli.command("report")
@click.argument("dept")
@year_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("-o", "--output", default=None, help="输出文件（xlsx/docx 默认 DEPT-YEAR-绩效自评.扩展名）")
@click.option("--unit", type=click.Choice(UNITS), default="万元", show_default=True, help="表中金额单位")
@click.option("--snapshot", default=None, help="指定已出具的快照（默认最新一版）")
@click.option("--live", is_flag=True, help="按当前事件实时计算（未正式出具）")
@_RUBRIC
@_DEPT_RUBRIC
@click.option("--form", type=click.Choice(FORMS), default="tables", show_default=True,
              help="tables 自评表；monitoring 绩效运行监控表（需 --as-of）")
@click.option("--as-of", "as_of", default=None, help="监控表数据截至日期 YYYY-MM-DD（生效日期）")
@db_option
@click.pass_context
def report(ctx, dept, year, fmt, output, unit, snapshot, live, rubric, dept_rubric, form, as_of, db) -> None:
    """绩效自评表：最新快照，或尚未出具时的实时数据（标注“未正式出具”）；--form monitoring 为绩效运行监控表。"""
    if form == "monitoring":
        _monitoring_report(ctx, dept, year, fmt, output, unit, as_of)
        return
    """绩效自评表：最新快照，或尚未出具时的实时数据（标注“未正式出具”）。"""
    from bpt.projections.reports.body import build_report
    from bpt.projections.reports.render_md import render_md

    doc = build_report(session(ctx), dept, year, snapshot=snapshot, live=live, rubric=rubric, dept_rubric=dept_rubric)
    if fmt in ("json", "md"):
        text = render_md(doc, unit) if fmt == "md" else None  # render_md needs no file-format library
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text if text is not None else _json_text(doc))
            click.echo(f"已写入 {output}")
        elif text is not None:
            click.echo(text)
        else:
            echo_json(doc)
        return
    path = output or f"{dept}-{year}-绩效自评.{fmt}"
    if fmt == "xlsx":
        from bpt.projections.reports.render_xlsx import write_xlsx as write
    else:
        from bpt.projections.reports.render_docx import write_docx as write
    write(doc, path, unit)
    click.echo(f"已写入 {path}（{doc['status']}{'，快照 ' + doc['snapshot'] if doc['snapshot'] else ''}）")


def _monitoring_report(ctx, dept, year, fmt, output, unit, as_of) -> None:
    """``bpt report --form monitoring``: the 绩效运行监控表 at ``--as-of``."""
    from bpt.projections.monitoring.form import monitoring_form
    from bpt.projections.monitoring.render import monitoring_md, write_monitoring

    if not as_of:
        raise Refusal("--as-of", "绩效运行监控表需要数据截至日期（如 --as-of 2021-07-31）")
    doc = monitoring_form(session(ctx), dept, year, parse_date(as_of, "截至日期"))
    if fmt in ("json", "md"):
        text = monitoring_md(doc, unit) if fmt == "md" else _json_text(doc)
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
            click.echo(f"已写入 {output}")
        elif fmt == "md":
            click.echo(text, nl=False)
        else:
            echo_json(doc)
        return
    path = output or f"{dept}-{year}-绩效运行监控表.{fmt}"
    write_monitoring(doc, path, fmt, unit)
    click.echo(f"已写入 {path}（数据截至 {doc['as_of']}）")


def _json_text(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


@cli.command("explain")
@click.argument("project", metavar="PROJECT|DEPT")
@click.argument("figure", metavar="FIGURE")
@year_option
@click.option("--as-of", "as_of", default=None, help="截至生效日期 YYYY-MM-DD")
@click.option("--known-at", "known_at", default=None, help="只看此时已记录的事件（YYYY-MM-DD 指当天结束，或带时刻）")
@click.option("--snapshot", default=None, help="按已出具快照的事件位置重放")
@json_option
@db_option
@click.pass_context
def explain(ctx, project, figure, year, as_of, known_at, snapshot, as_json, db) -> None:
    """解释一个数字：产生它的事件、每步之后的累计值、所用规则。

    项目的数字：initial_budget、adjusted_budget、executed、execution_rate、execution_score、total_score；
    部门的派生数字（如 sangong_actual、basic_by_econ.302，见 bpt dept figures）。"""
    from bpt.projections.audit.dept_explain import explain_department, is_department_figure
    from bpt.projections.audit.explain import FIGURES
    from bpt.projections.audit.explain import explain as compute_explain

    if figure not in FIGURES and is_department_figure(figure):
        if known_at or snapshot:
            raise Refusal("--known-at" if known_at else "--snapshot", "部门派生数字暂只支持 --as-of")
        doc = explain_department(session(ctx), year, project, figure, parse_date(as_of, "--as-of") if as_of else None)
        if as_json:
            echo_json(doc)
        else:
            click.echo(department_explain_text(doc))
        return
    doc = compute_explain(session(ctx), year, project, figure,
                          as_of=parse_date(as_of, "--as-of") if as_of else None,
                          known_at=parse_moment(known_at, "--known-at") if known_at else None, snapshot=snapshot)
    if as_json:
        echo_json(doc)
    else:
        click.echo(explain_text(doc))


def _event_table(title: str, rows: list[dict], with_value: bool) -> Table:
    from rich.table import Table

    t = Table(title=title)
    stamped = any(r.get("login") for r in rows)
    for h in ("位置", "类型", "生效日期", "记录时间" + ("（服务器）" if stamped else ""),
              "经办人" + ("／数据库登录" if stamped else ""), "文号/凭证", "金额", *(("累计值",) if with_value else ()), "说明"):
        t.add_column(h, justify="right" if h in ("位置", "金额", "累计值") else "left", overflow="fold")
    for r in rows:
        flag = "（出具后更正）" if r.get("late") else ""
        when = (r.get("server_recorded_at") or r["recorded_at"] or "")[:19]
        who = (r["operator"] or "") + (f"／{r['login']}" if r.get("login") else "")
        t.add_row(str(r["position"]), r["label"] + flag, r["effective_date"] or "", when, who, r["doc"] or r["voucher"] or "", r["amount"] or "",
                  *((r.get("value_after") or "—",) if with_value else ()), r.get("detail") or "")
    return t


def department_explain_text(doc: dict) -> str:
    head = (f"{doc['dept']} {doc['name']}（{doc['year']} 年度）{doc['label']} = {doc['value'] or '无'}（{doc['origin']}）"
            f"｜截至生效日期 {doc['as_of']}")
    return "\n".join([head, to_text(_event_table("事件", [{**e, "detail": " ".join(
        x for x in (e.get("econ"), e.get("func"), e.get("fund_type"), "政府采购" if e.get("procurement") else "",
                    e.get("detail")) if x)} for e in doc["events"]], True)), f"规则：{doc['rule']}"])


def explain_text(doc: dict) -> str:
    from bpt.tui.render import to_text

    head = (f"{doc['project']} {doc['name']}（{doc['year']} 年度）{doc['label']} = {doc['value'] or '不可计算'}"
            f"｜截至生效日期 {doc['as_of']}"
            + (f"｜记录截至 {doc['known_at']}" if doc["known_at"] else "")
            + (f"｜快照 {doc['snapshot']}（位置 {doc['snapshot_position']}，出具值 {doc['issued_value']}）"
               if doc["snapshot"] else ""))
    parts = [head, to_text(_event_table("事件", doc["events"], True)), f"规则：{doc['rule']}"]
    for p in doc.get("parts", []):
        parts.append(f"  {p['code']} {p['name']}：{p['score'] or '不可计算'} / {p['weight']}；{p['explanation']}")
    if doc.get("later_events"):
        parts.append(to_text(_event_table("快照之后会改变此数字的事件", doc["later_events"], False)))
    for back in doc.get("reaches_back", []):
        source = f"快照 {back['snapshot']}" if back["snapshot"] else "实时数据（未结账）"
        parts.append(f"位置 {back['position']} 的上年结转 {back['amount']} 元读自 {back['from_year']} 年度{source}"
                     f"（{back['rule']}）：")
        for figure, label in (("adjusted_budget", "全年预算数"), ("executed", "全年执行数")):
            parts.append(to_text(_event_table(f"{back['from_year']} 年度{label} = {back[figure]['value']}",
                                              back[figure]["events"], True)))
    if any(e["late"] for e in doc["events"]):
        parts.append(f"注：标注“出具后更正”的事件记录于最新自评快照 {doc['late_snapshot']} 之后。")
    return "\n".join(parts)


@cli.command("verify")
@click.option("--against", default=None, help="与此检查点文件（bpt checkpoint -o 导出）比对各哈希链的链头")
@json_option
@db_option
@click.pass_context
def verify(ctx, against, as_json, db) -> None:
    """按事件重算每一份已出具的自评并核对哈希，检查事件库哈希链、命令规则、数据库防护与检查点；有问题时退出码为 1。"""
    from bpt.projections.audit.checkpoint import read_checkpoint
    from bpt.projections.audit.verify import verify as compute_verify

    doc = compute_verify(session(ctx), read_checkpoint(against) if against else None)
    if as_json:
        echo_json(doc)
    else:
        click.echo(verify_text(doc))
    if not doc["ok"]:
        sys.exit(1)


def _short(value, limit: int = 48) -> str:
    """A value in one line of text output (the JSON output keeps it whole)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def verify_text(doc: dict) -> str:
    lines = []
    for s in doc["snapshots"]:
        late = f"，出具后另有 {s['late_events']} 条更正事件" if s["late_events"] else ""
        lines.append(f"{'通过' if s['ok'] else '不符'}：{s['dept']} {s['year']} 年度快照 {s['snapshot']}"
                     f"（第 {s['version']} 版，位置 {s['position']}）{late}")
    for p in doc["problems"]:
        if p["check"] == "snapshot" and p["snapshot"] is None:
            lines.append(f"问题：{p['problem']}")
        elif p["check"] == "snapshot":
            where = "，".join(x for x in (f"项目 {p['project']}" if p["project"] else "",
                                         f"数字 {p['figure']}" if p["figure"] else "") if x)
            values = f"：出具 {_short(p['issued'])}，重算 {_short(p['rederived'])}" if p["figure"] else ""
            lines.append(f"问题：{p['dept']} {p['year']} 年度快照 {p['snapshot']}｜{where or '整体'}｜{p['problem']}{values}")
        elif p["check"] == "guards":
            lines.append(f"问题：数据库防护｜{p['object']}：{p['detail']}")
        elif p["check"] == "rules":
            lines.append(f"问题：规则｜{p['kind'] or ''} {p['key'] or p['aggregate']} 版本 {p['version']} 位置 {p['position']}"
                         f" {p['type']}：{p['detail']}")
        else:
            what = {"stamps": "服务器盖章", "checkpoint": "检查点"}.get(p["check"], "哈希链")
            lines.append(f"问题：{what}｜{p.get('kind') or ''} {p.get('key') or p.get('aggregate') or ''}"
                         f" 版本 {p.get('version')} 位置 {p.get('position')} {p.get('type') or ''}：{p.get('detail')}")
    if not doc["snapshots"]:
        lines.append("尚无已出具的自评快照。")
    lines.append("核对通过：所有快照可由事件重算，哈希链完整，每个事件都符合其命令的规则。" if doc["ok"] else f"核对未通过：{len(doc['problems'])} 个问题。")
    return "\n".join(lines)


@cli.command("history")
@click.option("--project", default=None, help="只看一个项目")
@click.option("--operator", default=None, help="只看某经办人记录的事件")
@click.option("--login", default=None, help="只看某数据库登录写入的事件（PostgreSQL，服务器记录）")
@click.option("--since", default=None, help="生效日期不早于 YYYY-MM-DD")
@click.option("--recorded-since", default=None, help="记录时间不早于（YYYY-MM-DD 或带时刻）")
@click.option("--type", "types", multiple=True, help="事件类型（Approved、Paid… 或 年初预算、支出…；可多次或逗号分隔）")
@year_option
@json_option
@db_option
@click.pass_context
def history(ctx, project, operator, login, since, recorded_since, types, year, as_json, db) -> None:
    """事件日志（可按项目、经办人、日期、类型筛选）。"""
    from bpt.projections.audit.history import history as compute_history
    from bpt.tui.render import to_text

    since_moment = None
    if recorded_since:
        raw = recorded_since.strip()
        since_moment = (datetime.combine(parse_date(raw, "--recorded-since"), time()).astimezone() if len(raw) == 10
                        else parse_moment(raw, "--recorded-since"))
    doc = compute_history(session(ctx), year, project=project, operator=operator,
                          since=parse_date(since, "--since") if since else None,
                          types=[w for t in types for w in t.replace("，", ",").split(",")],
                          recorded_since=since_moment, login=login)
    if as_json:
        echo_json(doc)
    else:
        click.echo(to_text(_event_table(f"{year} 年度事件日志（{len(doc['events'])} 条）", doc["events"], False)))
