"""Recording verbs: init, dept, project, approve, adjust, transfer, pay, reverse, indicator, forecast."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from bpt.domain.calendar import clamp_to_year, parse_date
from bpt.domain.classification import Classification, codes
from bpt.domain.money import fmt_yuan, parse_amount, parse_number, parse_quantity
from bpt.domain.refusal import Refusal
from bpt.domain.values import (CAUSES, CERTAIN, CURRENT, FUNDING_SOURCES, GRADES, LIKELIHOODS, PROJECT_KINDS,
                               PROJECT_SPENDING, QUALITATIVE, Target)
from bpt.tui.cli.base import (LazyChoice, cli, db_option, echo_json, json_option, operator_of, operator_option, session,
                              year_option)

if TYPE_CHECKING:
    from bpt.domain.project import ProjectYear

# Options shared by the verbs that record a budget document.
_SOURCE = click.option("--source", default=CURRENT, show_default=True, help="资金来源：" + "|".join(FUNDING_SOURCES))
_CONFIRM = click.option("--confirm-duplicate", is_flag=True, help="确认同一文号同一金额的重复记录")


def _classification_options(f):
    """--econ, --func, --fund-type, --procurement: what a budget fact or payment says about its money."""
    f = click.option("--procurement", is_flag=True, help="政府采购")(f)
    f = click.option("--fund-type", "fund_type", default=None,
                     help="预算类型（资金性质）：" + "|".join(codes().fund_types) + "（默认 一般公共预算）")(f)
    f = click.option("--func", default=None, help="功能分类科目编码（类/款/项，如 2013101）")(f)
    return click.option("--econ", default=None, help="经济分类：类（3 位，如 302）或款（5 位，如 30201），或科目名称")(f)


def _document_options(f):
    """--year, --doc (文号) and --date: what every budget-document verb records."""
    f = click.option("--date", "on", required=True, help="生效日期 YYYY-MM-DD")(f)
    f = click.option("--doc", required=True, help="文号")(f)
    return year_option(f)


def _recorded(what: str, p: ProjectYear) -> None:
    f = p.figures()
    click.echo(f"已记录{what}：{p.code} {p.name}｜全年预算 {fmt_yuan(f['adjusted_budget'])} 元，"
               f"已执行 {fmt_yuan(f['executed'])} 元")


@cli.command("init")
@db_option
@click.pass_context
def init(ctx: click.Context, db: str | None) -> None:
    """创建数据库结构（可重复执行）。"""
    from bpt.projections.schema import init_database

    s = session(ctx)
    init_database(s.db)
    click.echo(f"数据库已就绪：{s.db.public_url}")


@cli.group("dept")
def dept() -> None:
    """部门（预算单位）。"""


@dept.command("add")
@click.argument("code")
@click.argument("name")
@year_option
@click.option("--staff-quota", type=click.IntRange(min=0), default=None, help="编制数")
@click.option("--staff-actual", type=click.IntRange(min=0), default=None, help="实际在职人数")
@click.option("--date", "on", default=None, help="登记日期（默认今天）")
@operator_option
@db_option
@click.pass_context
def dept_add(ctx, code, name, year, staff_quota, staff_actual, on, operator, db) -> None:
    """登记部门。"""
    session(ctx).app.add_department(year, code, name, staff_quota=staff_quota, staff_actual=staff_actual,
                                    operator=operator_of(operator), on=parse_date(on) if on else None)
    click.echo(f"已登记部门 {code} {name}（{year} 年度）")


@dept.command("staff")
@click.argument("code")
@year_option
@click.option("--staff-quota", type=click.IntRange(min=0), default=None, help="编制数")
@click.option("--staff-actual", type=click.IntRange(min=0), default=None, help="实际在职人数")
@operator_option
@db_option
@click.pass_context
def dept_staff(ctx, code, year, staff_quota, staff_actual, operator, db) -> None:
    """更新编制数与实际在职人数。"""
    session(ctx).app.record_staff(code, year, staff_quota=staff_quota, staff_actual=staff_actual,
                                  operator=operator_of(operator))
    click.echo(f"已记录部门 {code} 人员数据")


@dept.command("data")
@click.argument("code")
@click.argument("key", type=LazyChoice("bpt.domain.department:BASIC_DATA"))
@click.argument("amount")
@year_option
@click.option("--date", "on", required=True, help="数据日期")
@click.option("--source", "origin", default="", help="数据来源（如 决算报表）")
@operator_option
@db_option
@click.pass_context
def dept_data(ctx, code, key, amount, year, on, origin, operator, db) -> None:
    """记录部门整体评价基础数据（三公经费、公用经费、固定资产等，金额）。"""
    from bpt.domain.department import BASIC_DATA

    value = parse_amount(amount, BASIC_DATA[key], allow_zero=True)
    session(ctx).app.record_basic_data(code, year, key, value, source=origin, operator=operator_of(operator),
                                       on=parse_date(on))
    click.echo(f"已记录 {code} {BASIC_DATA[key]} {fmt_yuan(value)} 元")


@dept.command("figures")
@click.argument("code", metavar="DEPT")
@year_option
@click.option("--as-of", "as_of", default=None, help="截至生效日期 YYYY-MM-DD（默认年末）")
@json_option
@db_option
@click.pass_context
def dept_figures(ctx, code, year, as_of, as_json, db) -> None:
    """部门派生数字：基本支出按经济分类、人员/公用经费、三公经费、政府采购、按资金性质与功能分类（元）。"""
    from bpt.projections.store.classified import figures_doc
    from bpt.tui.cli.figures_text import figures_text

    doc = figures_doc(session(ctx), year, code, parse_date(as_of, "--as-of") if as_of else None)
    if as_json:
        echo_json(doc)
    else:
        click.echo(figures_text(doc))


@cli.group("project")
def project() -> None:
    """项目（项目支出 / 基本支出）。"""


@project.command("add")
@click.argument("dept_code", metavar="DEPT")
@click.argument("code")
@click.argument("name")
@year_option
@click.option("--kind", type=click.Choice(PROJECT_KINDS), default=PROJECT_SPENDING, show_default=True)
@click.option("--date", "on", default=None, help="登记日期（默认今天）")
@operator_option
@db_option
@click.pass_context
def project_add(ctx, dept_code, code, name, year, kind, on, operator, db) -> None:
    """登记项目。"""
    session(ctx).app.add_project(dept_code, year, code, name, kind=kind, operator=operator_of(operator),
                                 on=parse_date(on) if on else None)
    click.echo(f"已登记项目 {code} {name}（{kind}，部门 {dept_code}，{year} 年度）")


@cli.command("approve")
@click.argument("project_code", metavar="PROJECT")
@click.argument("amount")
@_document_options
@_SOURCE
@_classification_options
@_CONFIRM
@operator_option
@db_option
@click.pass_context
def approve(ctx, project_code, amount, year, doc, on, source, econ, func, fund_type, procurement, confirm_duplicate,
            operator, db) -> None:
    """年初预算批复（资金来源为上年结转资金时记为结转）。"""
    p = session(ctx).app.approve(project_code, year, parse_amount(amount, "金额"), doc=doc, on=parse_date(on),
                                 source=source, operator=operator_of(operator), confirm_duplicate=confirm_duplicate,
                                 classification=Classification.parse(econ, func, fund_type, procurement))
    _recorded("年初预算", p)


@cli.command("carry-over")
@click.argument("project_code", metavar="PROJECT")
@click.argument("amount")
@_document_options
@_CONFIRM
@operator_option
@db_option
@click.pass_context
def carry_over(ctx, project_code, amount, year, doc, on, confirm_duplicate, operator, db) -> None:
    """上年结转资金。"""
    p = session(ctx).app.carry_over(project_code, year, parse_amount(amount, "金额"), doc=doc, on=parse_date(on),
                                    operator=operator_of(operator), confirm_duplicate=confirm_duplicate)
    _recorded("上年结转", p)


@cli.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("project_code", metavar="PROJECT")
@click.argument("amount", metavar="±AMOUNT")
@_document_options
@click.option("--reason", required=True, help="原因")
@_SOURCE
@_classification_options
@_CONFIRM
@operator_option
@db_option
@click.pass_context
def adjust(ctx, project_code, amount, year, doc, on, reason, source, econ, func, fund_type, procurement,
           confirm_duplicate, operator, db) -> None:
    """追加（+）或调减（-）。"""
    if not str(amount).strip().startswith(("+", "-")):
        raise Refusal("金额", f"请用 +金额 表示追加、-金额 表示调减，收到“{amount}”")
    value = parse_amount(amount, "金额", signed=True)
    p = session(ctx).app.adjust(project_code, year, value, doc=doc, on=parse_date(on), reason=reason, source=source,
                                operator=operator_of(operator), confirm_duplicate=confirm_duplicate,
                                classification=Classification.parse(econ, func, fund_type, procurement))
    _recorded("追加" if value > 0 else "调减", p)


@cli.command("transfer")
@click.argument("from_project", metavar="FROM")
@click.argument("to_project", metavar="TO")
@click.argument("amount")
@_document_options
@click.option("--reason", required=True, help="原因")
@_SOURCE
@_CONFIRM
@operator_option
@db_option
@click.pass_context
def transfer(ctx, from_project, to_project, amount, year, doc, on, reason, source, confirm_duplicate, operator, db):
    """调剂：从一个项目调出、调入另一个项目，原子记录。"""
    value = parse_amount(amount, "金额")
    session(ctx).app.transfer(from_project, to_project, year, value, doc=doc, on=parse_date(on), reason=reason,
                              source=source, operator=operator_of(operator), confirm_duplicate=confirm_duplicate)
    click.echo(f"已记录调剂 {fmt_yuan(value)} 元：{from_project} → {to_project}")


@cli.command("pay")
@click.argument("project_code", metavar="PROJECT")
@click.argument("amount")
@year_option
@click.option("--voucher", required=True, help="凭证号（同一项目年度内唯一）")
@click.option("--date", "on", required=True, help="支出日期 YYYY-MM-DD")
@_SOURCE
@_classification_options
@click.option("--note", default="", help="摘要")
@operator_option
@db_option
@click.pass_context
def pay(ctx, project_code, amount, year, voucher, on, source, econ, func, fund_type, procurement, note, operator,
        db) -> None:
    """支出（拨付）；--econ/--func/--fund-type/--procurement 记录其经济分类、功能分类、资金性质与政府采购。"""
    p = session(ctx).app.pay(project_code, year, parse_amount(amount, "金额"), voucher=voucher, on=parse_date(on),
                             source=source, note=note, operator=operator_of(operator),
                             classification=Classification.parse(econ, func, fund_type, procurement))
    _recorded("支出", p)


@cli.command("reverse")
@click.argument("project_code", metavar="PROJECT")
@year_option
@click.option("--voucher", required=True, help="要冲销的凭证号")
@click.option("--reason", required=True, help="原因")
@click.option("--date", "on", default=None, help="冲销日期（默认今天，限于预算年度内）")
@operator_option
@db_option
@click.pass_context
def reverse(ctx, project_code, year, voucher, reason, on, operator, db) -> None:
    """冲销一笔支出（更正是新事件，从不修改原记录）。"""
    p = session(ctx).app.reverse(project_code, year, voucher=voucher, reason=reason, operator=operator_of(operator),
                                 on=parse_date(on) if on else None)
    _recorded(f"冲销 {voucher}", p)


@cli.group("indicator")
def indicator() -> None:
    """绩效指标。"""


@indicator.command("add")
@click.argument("project_code", metavar="PROJECT")
@year_option
@click.option("--level1", required=True, help="一级指标")
@click.option("--level2", required=True, help="二级指标")
@click.option("--name", required=True, help="三级指标")
@click.option("--target", required=True, help="年度指标值：>=5、<=26万、=100% 或文字（定性）")
@click.option("--unit", default="", help="计量单位")
@click.option("--weight", required=True, help="分值")
@click.option("--date", "on", default=None, help="申报日期（默认今天，限于预算年度内）")
@operator_option
@json_option
@db_option
@click.pass_context
def indicator_add(ctx, project_code, year, level1, level2, name, target, unit, weight, on, operator, as_json, db):
    """申报绩效指标；输出指标编号。"""
    code = session(ctx).app.add_indicator(
        project_code, year, level1=level1, level2=level2, name=name, target=Target.parse(target),
        unit=unit, weight=parse_number(weight, "分值"), operator=operator_of(operator), on=parse_date(on) if on else None)
    if as_json:
        echo_json({"project": project_code, "year": year, "indicator": code})
    else:
        click.echo(code)


@indicator.command("copy")
@click.option("--from", "from_year", type=int, required=True, help="复制自此年度")
@year_option
@click.option("--project", "projects", multiple=True, help="只复制这些项目（可重复；默认两年都有的全部项目）")
@click.option("--date", "on", default=None, help="申报日期（默认今天，限于预算年度内）")
@operator_option
@json_option
@db_option
@click.pass_context
def indicator_copy(ctx, from_year, year, projects, on, operator, as_json, db):
    """把上一年度申报的绩效指标（含调整后的指标值）复制为本年度的待修订指标；已有同名指标的跳过。"""
    app = session(ctx).app
    if from_year != year - 1:
        raise Refusal("--from", f"只能从上一年度 {year - 1} 复制，收到 {from_year}")
    opened = _projects_of(app, year)
    codes = list(projects) or [c for c in sorted(_projects_of(app, from_year)) if c in opened]
    when = clamp_to_year(date.today(), year) if on is None else parse_date(on)
    copied = app.copy_indicators(from_year, year, codes, on=when, operator=operator_of(operator))
    if as_json:
        echo_json({"from": from_year, "year": year, "copied": copied})
        return
    for code in codes:
        click.echo(f"{code}：复制 {len(copied.get(code, []))} 个指标 {'、'.join(copied.get(code, []))}".rstrip())


def _projects_of(app, year: int) -> set[str]:
    return {c for d in app.departments(year) for c in app.department(year, d).projects}


@indicator.command("record")
@click.argument("project_code", metavar="PROJECT")
@click.argument("indicator_code", metavar="INDICATOR")
@click.argument("value")
@year_option
@click.option("--date", "on", required=True, help="日期 YYYY-MM-DD")
@operator_option
@db_option
@click.pass_context
def indicator_record(ctx, project_code, indicator_code, value, year, on, operator, db) -> None:
    """记录实际完成值（定量指标为数值，定性指标可记文字）。"""
    app = session(ctx).app
    ind = app.project(year, project_code).indicator(indicator_code)
    number = None if ind["target"]["comparison"] == QUALITATIVE else parse_quantity(value, "实际完成值")
    app.record_actual(project_code, year, indicator_code, value=number, text=str(value), on=parse_date(on),
                      operator=operator_of(operator))
    click.echo(f"已记录 {project_code} {indicator_code}（{ind['name']}）实际完成值 {value}")


@indicator.command("assess")
@click.argument("project_code", metavar="PROJECT")
@click.argument("indicator_code", metavar="INDICATOR")
@year_option
@click.option("--grade", required=True, type=click.Choice(GRADES), help="达成|部分达成|未达成")
@click.option("--score", required=True, help="得分")
@click.option("--reason", default="", help="原因（未得满分时必填）")
@click.option("--date", "on", default=None, help="评定日期（默认今天，限于预算年度内）")
@operator_option
@db_option
@click.pass_context
def indicator_assess(ctx, project_code, indicator_code, year, grade, score, reason, on, operator, db) -> None:
    """评定定性指标。"""
    when = parse_date(on) if on else clamp_to_year(date.today(), year)
    session(ctx).app.assess(project_code, year, indicator_code, grade=grade, score=parse_number(score, "得分"),
                            reason=reason, on=when, operator=operator_of(operator))
    click.echo(f"已评定 {project_code} {indicator_code}：{grade} {score} 分")


@indicator.command("revise")
@click.argument("project_code", metavar="PROJECT")
@click.argument("indicator_code", metavar="INDICATOR")
@year_option
@click.option("--target", required=True, help="新的年度指标值")
@click.option("--doc", default="", help="文号")
@click.option("--reason", required=True, help="原因")
@click.option("--date", "on", required=True, help="生效日期")
@operator_option
@db_option
@click.pass_context
def indicator_revise(ctx, project_code, indicator_code, year, target, doc, reason, on, operator, db) -> None:
    """调整指标的年度指标值。"""
    session(ctx).app.revise_target(project_code, year, indicator_code, Target.parse(target), doc=doc, reason=reason,
                                   on=parse_date(on), operator=operator_of(operator))
    click.echo(f"已调整 {project_code} {indicator_code} 年度指标值为 {target}")


@indicator.command("explain")
@click.argument("project_code", metavar="PROJECT")
@click.argument("indicator_code", metavar="INDICATOR", required=False, default="")
@year_option
@click.option("--text", required=True, help="偏差原因分析及改进措施")
@click.option("--date", "on", default=None, help="日期（默认今天，限于预算年度内）")
@operator_option
@db_option
@click.pass_context
def indicator_explain(ctx, project_code, indicator_code, year, text, on, operator, db) -> None:
    """记录偏差原因分析及改进措施（不写指标编号则为预算执行的偏差说明）。"""
    when = parse_date(on) if on else clamp_to_year(date.today(), year)
    session(ctx).app.explain_deviation(project_code, year, indicator_code, text=text, on=when,
                                       operator=operator_of(operator))
    click.echo(f"已记录 {project_code} {indicator_code or '预算执行'} 的偏差说明")


@indicator.command("forecast")
@click.argument("project_code", metavar="PROJECT")
@click.argument("indicator_code", metavar="INDICATOR")
@year_option
@click.option("--as-of", "as_of", required=True, help="监控截至日期 YYYY-MM-DD")
@click.option("--value", default=None, help="全年预计完成值（定量指标）")
@click.option("--likelihood", required=True, help="完成目标可能性：" + "|".join(LIKELIHOODS))
@click.option("--cause", default="", help="偏差原因：" + "|".join(CAUSES) + f"（{CERTAIN}以外必填）")
@click.option("--action", default="", help=f"纠偏措施（{CERTAIN}以外必填）")
@operator_option
@db_option
@click.pass_context
def indicator_forecast(ctx, project_code, indicator_code, year, as_of, value, likelihood, cause, action, operator, db):
    """绩效运行监控：记录指标的全年预计完成值、完成目标可能性、偏差原因和纠偏措施。"""
    number = parse_quantity(value, "全年预计完成值") if value is not None else None
    session(ctx).app.forecast_indicator(project_code, year, indicator_code, as_of=parse_date(as_of, "截至日期"),
                                        value=number, likelihood=likelihood, cause=cause, action=action,
                                        operator=operator_of(operator))
    click.echo(f"已记录 {project_code} {indicator_code} 截至 {as_of} 的监控研判：{likelihood}"
               + (f"，全年预计 {value}" if value is not None else ""))


@cli.command("forecast")
@click.argument("project_code", metavar="PROJECT")
@year_option
@click.option("--as-of", "as_of", required=True, help="监控截至日期 YYYY-MM-DD")
@click.option("--executed", required=True, help="全年预计执行数（如 80万）")
@click.option("--reason", default="", help="说明")
@operator_option
@db_option
@click.pass_context
def forecast(ctx, project_code, year, as_of, executed, reason, operator, db) -> None:
    """绩效运行监控：记录项目的全年预计执行数。"""
    amount = parse_amount(executed, "全年预计执行数", allow_zero=True)
    session(ctx).app.forecast_execution(project_code, year, as_of=parse_date(as_of, "截至日期"), executed=amount,
                                        reason=reason, operator=operator_of(operator))
    click.echo(f"已记录 {project_code} 截至 {as_of} 的全年预计执行数 {fmt_yuan(amount)} 元")
