"""``bpt rubric check FILE`` and ``bpt rubric show [NAME]``: validate and print rubric files.

Errors follow the CLI contract: one line on stderr, in Chinese, naming line and field; exit 2.
"""

from __future__ import annotations

import json
import sys
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bpt.tui.cli.base import Lazy, cli, db_option, operator_of, operator_option, session, year_option

if TYPE_CHECKING:
    from bpt.domain.rubric import Rubric, RubricError
    from bpt.domain.rubric.model import QuantitativeRule

KIND_WORDS = {"project": "项目支出绩效自评", "department": "部门整体支出绩效自评"}


def _fail(error: RubricError | str) -> None:
    click.echo(f"错误：{error}", err=True)
    sys.exit(2)


@cli.group("rubric")
def rubric() -> None:
    """评分规则（rubric 文件）：检查与查看。"""


@rubric.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
def check(file: str) -> None:
    """检查评分规则文件 FILE；有误时指出行号与字段。"""
    from bpt.domain.rubric import RubricError, load_rubric_file
    from bpt.domain.rubric.formula import fmt_number
    from bpt.domain.rubric.model import PROJECT
    from bpt.domain.rubric.project import OVERACHIEVED

    try:
        r = load_rubric_file(file)
    except RubricError as e:
        _fail(e)
    count = len(r.indicators) if r.kind != PROJECT else 0
    what = f"{count}" if r.kind != PROJECT else f"0（由各项目申报；规则覆盖 {'、'.join(r.quantitative)} 与定性）"
    click.echo(f"评分规则有效：{r.name}（{r.title}）")
    click.echo(f"类型：{r.kind}（{KIND_WORDS[r.kind]}）")
    click.echo(f"指标数：{what}")
    click.echo(f"总分：{fmt_number(r.total)}（{'，'.join(f'{k} {fmt_number(v)}' for k, v in r.level_weights.items())}）")
    if r.kind == PROJECT:
        own = [f"{c} · {name}" for c, q in r.quantitative.items() for name in q.level2]
        click.echo(f"执行率规则：{r.execution.rule.kind}；二级指标规则：{'、'.join(own) or '无（均按比较方式）'}；"
                   f"定性等级：{'、'.join(f'{b.grade} {b.interval()}' for b in r.qualitative.bands)}")
        if r.overachievement is not None:
            click.echo(f"超额标记：实际值 ≥ 目标值 × {fmt_number(r.overachievement.share * 100)}% 时“{OVERACHIEVED}”"
                       + (f"，扣分 {r.overachievement.deduction.text}" if r.overachievement.deduction else ""))
    click.echo(f"sha256：{r.content_hash}")


def _resolve(name: str) -> Rubric:
    """A shipped rubric by name, or a rubric file by path."""
    from bpt.domain.rubric import RubricError, builtin_rubric, builtin_rubric_names, load_rubric_file

    try:
        if name in builtin_rubric_names() or not Path(name).exists():
            return builtin_rubric(name)
        return load_rubric_file(name)
    except RubricError as e:
        _fail(e)
        raise  # unreachable: _fail exits


@rubric.command("show")
@click.argument("name", required=False, default=Lazy("bpt.domain.rubric.loader:DEFAULT_PROJECT_RUBRIC"))
@click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 文档")
def show(name: str, as_json: bool) -> None:
    """以表格显示评分规则 NAME（内置规则名或文件路径；默认为项目默认规则）。"""
    r = _resolve(name)
    if as_json:
        click.echo(json.dumps(rubric_document(r), ensure_ascii=False, indent=2))
        return
    click.echo(render_rubric(r))


@rubric.command("adopt")
@click.argument("dept")
@click.argument("name")
@year_option
@operator_option
@db_option
@click.pass_context
def adopt(ctx: click.Context, dept: str, name: str, year: int, operator: str | None, db: str | None) -> None:
    """为部门年度指定评分规则 NAME（内置规则名或文件路径），作为事件记录规则全文与哈希。"""
    r = _resolve(name)
    changed = session(ctx).app.adopt_rubric(dept, year, r, operator=operator_of(operator))
    state = "已记录" if changed else "未变化（已在使用）"
    click.echo(f"{state}：部门 {dept} {year} 年度{KIND_WORDS[r.kind]}规则 {r.name}（sha256 {r.content_hash[:12]}…）")


def rubric_document(r: Rubric) -> dict:
    """The rubric as JSON: numbers as decimal strings, formulas as their text."""
    from bpt.domain.rubric.model import PROJECT
    from bpt.domain.rubric.project import OVERACHIEVED
    from bpt.domain.rubric.rules import FormulaRule

    doc = {"name": r.name, "title": r.title, "kind": r.kind, "basis": r.basis, "hash": r.content_hash,
           "total": str(r.total), "grades": [{"grade": g.grade, "min": str(g.min)} for g in r.grades],
           "levels": [{"name": lv.name, "weight": str(lv.weight),
                       "level2": [{"name": l2.name, "weight": None if l2.weight is None else str(l2.weight)}
                                  for l2 in lv.level2]} for lv in r.levels]}
    if r.kind == PROJECT:
        ex = r.execution
        doc["execution"] = {"level": ex.level, "weight": str(ex.weight), "rule": ex.rule.kind,
                            "description": ex.description or ex.rule.describe(ex.weight, "%"),
                            "deviation_below": str(ex.deviation_below)}
        if isinstance(ex.rule, FormulaRule):
            doc["execution"]["score"] = ex.rule.score.text
        doc["quantitative"] = {c: {**_quantitative_doc(q), "level2": {n: _quantitative_doc(own)
                                                                       for n, own in q.level2.items()}}
                               for c, q in r.quantitative.items()}
        doc["level2_rules"] = {l2: {c: _rule_name(r, c, l2) for c in r.quantitative}
                               for lv in r.levels for l2 in lv.level2_names()}
        over = r.overachievement
        doc["overachievement"] = None if over is None else {
            "share": str(over.share), "flag": OVERACHIEVED,
            "deduction": over.deduction.text if over.deduction else None}
        doc["qualitative"] = [{"grade": b.grade, "min": str(b.low), "max": str(b.high), "interval": b.interval()}
                              for b in r.qualitative.bands]
    else:
        doc["figures"] = dict(r.figures)
        doc["indicators"] = [{"code": i.code, "level1": i.level1, "level2": i.level2, "name": i.name,
                              "weight": str(i.weight), "unit": i.unit, "value": i.value.text if i.value else None,
                              "rule": i.rule.kind, "rule_text": i.rule.describe(i.weight, i.unit),
                              "standard": i.standard} for i in r.indicators]
    return doc


def _quantitative_doc(q: QuantitativeRule) -> dict:
    return {"label": q.label, "description": q.description, "score": q.score.text}


def _rule_name(r: Rubric, comparison: str, level2: str) -> str:
    """Which rule an indicator of this 二级指标 and comparison gets, as ``rubric show`` lists it."""
    rule = r.quantitative_rule(comparison, level2)
    return f"{rule.label}（本二级指标）" if rule.level2_name else f"{rule.label}（默认）"


def render_rubric(r: Rubric) -> str:
    from rich.console import Console, Group
    from rich.table import Table
    from rich.text import Text

    from bpt.domain.rubric.formula import fmt_number
    from bpt.domain.rubric.model import PROJECT

    head = Text(f"{r.title}\n名称 {r.name} · {KIND_WORDS[r.kind]} · 总分 {fmt_number(r.total)}", style="bold")
    parts = [head] + (_project_tables(r) if r.kind == PROJECT else _department_tables(r))
    grades = Table(title="评价等次")
    grades.add_column("等次")
    grades.add_column("总分")
    uppers = [None] + [g.min for g in r.grades[:-1]]
    for g, upper in zip(r.grades, uppers):
        grades.add_row(g.grade, f"≥ {fmt_number(g.min)}" + (f"，< {fmt_number(upper)}" if upper is not None else ""))
    parts += [grades, Text(f"sha256 {r.content_hash}")]
    buf = StringIO()
    Console(file=buf, width=140, force_terminal=False, color_system=None).print(Group(*parts))
    return buf.getvalue().rstrip()


def _project_tables(r: Rubric) -> list:
    from rich.table import Table
    from rich.text import Text

    from bpt.domain.rubric.formula import fmt_number
    from bpt.domain.rubric.project import OVERACHIEVED
    from bpt.domain.rubric.rules import FormulaRule

    ex = r.execution
    levels = Table(title="指标层级与分值")
    for h in ("一级指标", "分值", "二级指标 / 规则"):
        levels.add_column(h, justify="right" if h == "分值" else "left")
    formula = f"（公式 {ex.rule.score.text}）" if isinstance(ex.rule, FormulaRule) and ex.description else ""
    levels.add_row(ex.level, fmt_number(ex.weight), (ex.description or ex.rule.describe(ex.weight, "%")) + formula)
    for lv in r.levels:
        levels.add_row(lv.name, fmt_number(lv.weight), "、".join(lv.level2_names()))
    quant = Table(title="定量指标计分（actual 实际值，target 目标值，weight 分值）")
    for h in ("比较", "规则", "说明", "公式"):
        quant.add_column(h, overflow="fold")
    for c, q in r.quantitative.items():
        quant.add_row(c, q.label, q.description, q.score.text)
        for name, own in q.level2.items():
            quant.add_row(f"{c} · {name}", own.label, own.description, own.score.text)
    per_level2 = Table(title="各二级指标适用的定量规则")
    for h in ("一级指标", "二级指标", *r.quantitative):
        per_level2.add_column(h)
    for lv in r.levels:
        for l2 in lv.level2_names():
            per_level2.add_row(lv.name, l2, *(_rule_name(r, c, l2) for c in r.quantitative))
    qual = Table(title="定性指标等级")
    qual.add_column("等级")
    qual.add_column("得分区间（占分值）")
    for b in r.qualitative.bands:
        qual.add_row(b.grade, b.interval())
    notes = [f"执行率低于 {fmt_number(ex.deviation_below * 100)}% 或任一指标未得满分，须说明偏差原因"]
    if r.qualitative.reason_below_full:
        notes.append("定性指标低于满分须说明理由")
    over = r.overachievement
    if over is not None:
        deduction = f"，并扣分 {over.deduction.text}" if over.deduction else ""
        notes.append(f"“≥”“=”指标实际值达到目标值 {fmt_number(over.share * 100)}% 及以上标记“{OVERACHIEVED}”，"
                     f"须说明偏差原因{deduction}")
    return [levels, quant, per_level2, qual, Text("；".join(notes))]


def _department_tables(r: Rubric) -> list:
    from rich.table import Table

    from bpt.domain.rubric.formula import fmt_number

    table = Table(title="计分表", show_lines=True, expand=True)
    for h, ratio in (("一级指标", None), ("二级指标", None), ("三级指标", 2), ("分值", None), ("指标值", 3),
                     ("计分规则", 4)):
        table.add_column(h, justify="right" if h == "分值" else "left", overflow="fold", ratio=ratio,
                         min_width=8 if ratio is None and h != "分值" else None)
    l2_weight = {(lv.name, l2.name): l2.weight for lv in r.levels for l2 in lv.level2}
    l1_weight = {lv.name: lv.weight for lv in r.levels}
    previous: tuple[str, str] = ("", "")
    for i in r.indicators:
        # Like the filed table: a level's name and weight only where the level starts.
        l1 = f"{i.level1}\n{fmt_number(l1_weight[i.level1])} 分" if i.level1 != previous[0] else ""
        l2 = (f"{i.level2}\n{fmt_number(l2_weight[(i.level1, i.level2)])} 分"
              if (i.level1, i.level2) != previous else "")
        previous = (i.level1, i.level2)
        table.add_row(l1, l2, i.name, fmt_number(i.weight),
                      i.value.text if i.value else "—",
                      i.rule.describe(i.weight, i.unit)
                      + (_not_applicable(i) if i.not_applicable_if else ""))
    figures = Table(title="数据项（指标值公式中的名称）")
    figures.add_column("名称", overflow="fold")
    figures.add_column("含义", overflow="fold")
    for k, v in r.figures.items():
        figures.add_row(k, v)
    return [table, figures]


def _not_applicable(i) -> str:
    from bpt.domain.rubric.formula import fmt_number

    what = "满分" if i.not_applicable_score is None else f"{fmt_number(i.not_applicable_score)} 分"
    return f"；{i.not_applicable_if.text} 时不适用，按{what}计"
