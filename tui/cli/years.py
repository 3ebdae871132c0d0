"""``bpt year open``: open the next fiscal year from this one (departments, projects, 上年结转)."""

from __future__ import annotations

import click

from bpt.domain.calendar import check_in_year, parse_date
from bpt.domain.money import fmt_yuan
from bpt.domain.years import DepartmentCarry, ProjectCarry, YearPlan
from bpt.tui.cli.base import cli, db_option, echo_json, json_option, operator_of, operator_option, session


@cli.group("year")
def year_group() -> None:
    """年度：由上一年度开启下一年度。"""


def _project_json(p: ProjectCarry, recorded: dict) -> dict:
    return {"project": p.code, "name": p.name, "kind": p.kind, "balance": fmt_yuan(p.balance),
            "balances": {s: fmt_yuan(v) for s, v in p.balances.items()},
            "carry": "结转" if p.carries else "收回", "new": not p.exists,
            "carried": fmt_yuan(p.carried) if p.carried is not None else None, "carried_doc": p.carried_doc or None,
            "difference": fmt_yuan(p.to_carry) if p.carried is not None and p.to_carry else None,
            "recorded": fmt_yuan(recorded[p.code]) if p.code in recorded else None}


def _department_json(d: DepartmentCarry, recorded: dict) -> dict:
    return {"dept": d.code, "name": d.name, "new": not d.exists, "rule": d.rule, "snapshot": d.snapshot or None,
            "position": d.position, "from_live": d.from_live, "late_corrections": d.late_corrections,
            "staff_quota": d.staff_quota, "staff_actual": d.staff_actual,
            "projects": [_project_json(p, recorded) for p in d.projects]}


def plan_json(plan: YearPlan, recorded: dict, dry_run: bool) -> dict:
    return {"year": plan.year, "from": plan.from_year, "doc": plan.doc, "dry_run": dry_run,
            "departments": [_department_json(d, recorded) for d in plan.departments],
            "recorded": {code: fmt_yuan(amount) for code, amount in recorded.items()}}


def _project_line(p: dict, dry_run: bool, update: bool) -> str:
    sources = "，".join(f"{s} {v}" for s, v in p["balances"].items()) or "无余额"
    head = f"  {p['project']} {p['name']}（{p['kind']}）余额 {p['balance']} 元（{sources}）："
    if p["carry"] == "收回":
        return head + "收回，不结转"
    if p["recorded"]:
        return head + f"{'已记录差额' if p['carried'] else '已结转'} {p['recorded']} 元"
    if p["difference"]:
        verb = "将记录差额" if update else "余额已变化，未记录；加 --update 记录差额"
        return head + f"已结转 {p['carried']} 元，{verb} {p['difference']} 元"
    if p["carried"] is not None:
        return head + f"已结转 {p['carried']} 元，无变化"
    if p["balance"] == "0.00":
        return head + "无余额可结转"
    return head + ("将结转" if dry_run else "结转") + f" {p['balance']} 元"


def plan_text(doc: dict, update: bool) -> str:
    lines = [f"{'预览（未记录）：' if doc['dry_run'] else ''}由 {doc['from']} 年度开启 {doc['year']} 年度，文号 {doc['doc']}"]
    for d in doc["departments"]:
        where = "实时数据（未按结账快照）" if d["from_live"] else f"结账快照 {d['snapshot']}"
        lines.append(f"部门 {d['dept']} {d['name']}{'（新登记）' if d['new'] else ''}：余额读自{where}，"
                     f"位置 {d['position']}；结转规则：{d['rule']}")
        if d["late_corrections"]:
            lines.append(f"  注：{doc['from']} 年度结账后另有 {d['late_corrections']} 条记录；"
                         "重新结账（bpt close）后加 --update，或加 --from-live")
        lines += [_project_line(p, doc["dry_run"], update) for p in d["projects"]]
    if not doc["dry_run"] and not doc["recorded"]:
        lines.append("没有新的结转需要记录")
    return "\n".join(lines)


@year_group.command("open")
@click.argument("next_year", metavar="NEXT", type=int)
@click.option("--from", "from_year", type=int, required=True, help="上一年度")
@click.option("--doc", required=True, help="结转批复文号")
@click.option("--date", "on", required=True, help="生效日期 YYYY-MM-DD（在 NEXT 年度内）")
@click.option("--dept", "depts", multiple=True, help="只开启这些部门（可重复；默认全部）")
@click.option("--drop", multiple=True, help="不带入下一年度的项目（可重复）")
@click.option("--carry-basic", multiple=True, help="此部门的基本支出余额也结转（可重复；默认收回）")
@click.option("--from-live", is_flag=True, help="上一年度未结账时按实时数据结转（记录中注明）")
@click.option("--update", is_flag=True, help="上一年度余额有更正时记录差额")
@click.option("--dry-run", is_flag=True, help="只预览，不记录")
@operator_option
@json_option
@db_option
@click.pass_context
def year_open(ctx, next_year, from_year, doc, on, depts, drop, carry_basic, from_live, update, dry_run, operator,
              as_json, db) -> None:
    """开启下一年度：登记部门和项目（编号不变），把上一年度未用余额记为上年结转资金。"""
    s = session(ctx)
    from bpt.projections.reports.years import plan_year

    plan = plan_year(s, next_year, from_year, doc, depts=depts, drop=drop, carry_basic=carry_basic,
                     from_live=from_live)
    when = check_in_year(parse_date(on, "--date"), next_year, "--date")
    recorded = {} if dry_run else s.app.open_year(plan, on=when, operator=operator_of(operator), update=update)
    out = plan_json(plan, recorded, dry_run)
    if as_json:
        echo_json(out)
    else:
        click.echo(plan_text(out, update))
