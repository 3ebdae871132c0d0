"""`bpt import targets`: 项目绩效目标申报表 (seed 002's layout) → indicator declarations.

One form per sheet: labels above the table (项目名称, optional 项目编号, 预算单位, 项目资金 …
资金总额, 金额单位, 填报日期), then the header row 一级指标 | 二级指标 | 三级指标 |
指标值(包含数字及文字描述) [| 分值] [| 计量单位], then one indicator per row until the 审核意见 /
填报人 lines. 一级/二级 cells are usually merged downwards: an empty one repeats the one above.
A 三级指标 or 指标值 cell merged over several rows is ambiguous and refused. Targets are read by
``interpret_target``. Without a 分值 column each 一级指标's weight in the rubric in force is
spread evenly over its indicators (the summary says so).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bpt.domain.calendar import clamp_to_year
from bpt.domain.money import WAN, fmt_yuan, parse_quantity
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import Rubric
from bpt.domain.values import Target
from bpt.projections.imports.batch import Batch, save_together
from bpt.projections.imports.cells import cell_date, required
from bpt.projections.imports.result import ImportResult
from bpt.projections.imports.sheets import Sheet, open_sheets
from bpt.projections.imports.table import normalise
from bpt.projections.imports.target_text import interpret_target, spread_weight
from bpt.projections.imports.tabular import FIELD_COLUMNS, Progress
from bpt.projections.store.service import Bpt

L1, L2, L3, VALUE, WEIGHT, UNIT = "一级指标", "二级指标", "三级指标", "指标值", "分值", "计量单位"
_HEADER_VALUE = ("指标值", "年度指标值")
_END_WORDS = ("审核意见", "填报人", "填表人", "联系电话", "预算部门")
_NAME_PREFIX = re.compile(r"^指标\s*\d+\s*[:：]\s*")
_FUNDS = re.compile(r"资金总额\s*[:：]?\s*(\d+(?:\.\d+)?)")
_BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")  # a target without its unit: the 计量单位 column gives it
_LABEL_VALUE = re.compile(r"^([^:：]{2,10})[:：]\s*(.*)$")
DECLARATION = "绩效指标"


@dataclass
class IndicatorRow:
    number: int
    level1: str
    level2: str
    name: str
    target: str
    weight: str
    unit: str


@dataclass
class Form:
    """One 申报表 as read from a sheet, before any database access."""

    sheet: str
    labels: dict[str, tuple[int, str]]  # label -> (row, value)
    header_row: int
    has_weights: bool
    rows: list[IndicatorRow] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)

    def label(self, name: str) -> str:
        return self.labels.get(name, (0, ""))[1]

    @property
    def money_unit(self) -> Decimal:
        return Decimal(1) if self.label("金额单位") in ("元",) else WAN


def import_targets(bpt: Bpt, path, year: int, *, dry_run: bool, operator: str,
                   progress: Progress | None = None) -> ImportResult:
    notes: list[str] = []
    with open_sheets(path) as sheets:
        forms = []
        for sheet in sheets:
            form = _read_form(sheet)
            if isinstance(form, str):
                notes.append(form)
            elif form is not None:
                forms.append(form)
    if not forms:
        names = "、".join(f"“{s.name}”" for s in sheets)
        raise Refusal("工作表", f"在工作表 {names} 中没有找到项目绩效目标申报表（需要表头：{L1}、{L2}、{L3}、{VALUE}）")

    def attempt() -> ImportResult:
        result = ImportResult("targets", str(path), year, dry_run)
        batch = Batch(bpt.app, year)
        lines = list(notes)
        for done, form in enumerate(forms, 1):
            where = f"[工作表“{form.sheet}”] " if len(forms) > 1 else ""
            for row, column, reason in form.refused:
                result.refuse(row, column, where + reason)
            try:
                lines.extend(_apply_form(batch, form, operator, result, where))
            except Refusal as r:
                row = form.labels.get("项目编号", form.labels.get("项目名称", (form.header_row, "")))[0]
                result.refuse(row, FIELD_COLUMNS.get(r.field, r.field), where + r.message)
            if progress:
                progress(done, len(forms))
        if not result.refused and not dry_run:
            save_together(bpt.app, batch.changed.values())
        return result.finish(lines)

    return attempt() if dry_run else bpt.app.retry(attempt)


# -- reading a form ------------------------------------------------------------------------


def _read_form(sheet: Sheet) -> Form | str | None:
    """The form on ``sheet``; a note (str) for a department-level form; None for anything else."""
    rows = list(sheet.rows)
    header = next(((n, cells) for n, cells in rows if _header_positions(cells)), None)
    if header is None:
        return None
    header_row, header_cells = header
    positions = _header_positions(header_cells)
    labels = _labels(rows, header_row)
    if "项目名称" not in labels and "项目编号" not in labels:
        if "部门名称" in labels:
            return f"工作表“{sheet.name}”是部门整体支出绩效目标申报表，未导入（部门整体指标按部门评分规则计算）"
        raise Refusal("项目名称", f"工作表“{sheet.name}”第 {header_row} 行之上没有“项目名称”（或“项目编号”）")
    form = Form(sheet.name, labels, header_row, WEIGHT in positions)
    level1 = level2 = ""
    for number, cells in rows:
        if number <= header_row:
            continue
        first = next((c for c in cells if c), "")
        if first.replace(" ", "").startswith(_END_WORDS) or "审核意见" in first:
            break

        def cell(column: str) -> str:
            i = positions.get(column)
            return cells[i] if i is not None and i < len(cells) else ""

        level1 = cell(L1) or _merged_value(sheet, rows, number, positions[L1]) or level1
        level2 = cell(L2) or _merged_value(sheet, rows, number, positions[L2]) or level2
        name, target = _NAME_PREFIX.sub("", cell(L3)), cell(VALUE)
        chaos = _chaos(sheet, number, positions)
        if chaos:
            form.refused.append((number, *chaos))
        elif name or target:
            for column, text in ((L1, level1), (L2, level2), (L3, name), (VALUE, target)):
                if not text:
                    form.refused.append((number, column, "不能为空"))
                    break
            else:
                form.rows.append(IndicatorRow(number, level1, level2, name, target, cell(WEIGHT), cell(UNIT)))
    return form


def _header_positions(cells: list[str]) -> dict[str, int]:
    positions = {}
    for i, text in enumerate(cells):
        name, _ = normalise(text)
        for column in (L1, L2, L3, WEIGHT, UNIT):
            if name == column or (column == UNIT and name == "单位"):
                positions.setdefault(column, i)
        if name.startswith(_HEADER_VALUE):
            positions.setdefault(VALUE, i)
    return positions if all(c in positions for c in (L1, L2, L3, VALUE)) else {}


def _labels(rows: list[tuple[int, list[str]]], header_row: int) -> dict[str, tuple[int, str]]:
    """Label → (row, value) from the lines around the table: “项目名称 | 党员活动经费”, “填报日期：…”."""
    labels: dict[str, tuple[int, str]] = {}
    for number, cells in rows:
        texts = [c for c in cells if c]
        if not texts or (header_row < number and not texts[0].startswith(("填报日期", "填表日期"))):
            continue
        label, _ = normalise(texts[0])
        m = _LABEL_VALUE.match(label)
        if m:
            label, inline = m[1], m[2]
        else:
            inline = ""
        label = label.removesuffix("（万元）")
        value = inline or (texts[1] if len(texts) > 1 else "")
        if label.startswith("项目资金"):
            label = "项目资金"
            value = next((t for t in texts if _FUNDS.search(t)), value)
        if label in ("填表日期",):
            label = "填报日期"
        labels.setdefault(label, (number, value))
    return labels


def _merged_value(sheet: Sheet, rows: list[tuple[int, list[str]]], number: int, col: int) -> str:
    """The value of the merged range covering (row, col), read from its top-left cell."""
    merge = sheet.merge_at(number, col + 1)
    if merge is None:
        return ""
    cells = next((c for n, c in rows if n == merge.min_row), [])
    return cells[merge.min_col - 1] if merge.min_col - 1 < len(cells) else ""


def _chaos(sheet: Sheet, number: int, positions: dict[str, int]) -> tuple[str, str] | None:
    """A 三级指标 or 指标值 cell merged over rows or across columns: no single indicator to read."""
    for column in (L3, VALUE, WEIGHT):
        if column not in positions:
            continue
        merge = sheet.merge_at(number, positions[column] + 1)
        if merge and (merge.min_row != merge.max_row or merge.min_col != merge.max_col):
            return column, f"是合并单元格（{merge.ref}），无法确定本行的{column}；请每个指标占一行、取消合并"
    return None


# -- applying a form -----------------------------------------------------------------------


def _apply_form(batch: Batch, form: Form, operator: str, result: ImportResult, where: str) -> list[str]:
    project = _project_of(batch, form)
    rubric = batch.app.department(batch.year, project.dept).rubric("project")
    on = _declared_on(form, batch.year)
    parsed = []
    for row in form.rows:
        try:
            level1 = _level1(rubric, row)
            text = f"{row.target}{row.unit}" if _BARE_NUMBER.match(row.target) else row.target
            target, unit = interpret_target(text, level2=row.level2, money_unit=form.money_unit, field=VALUE)
            parsed.append((row, level1, target, unit or row.unit))
        except Refusal as r:
            result.refuse(row.number, r.field, where + r.message)
    weights, how = _weights(rubric, form, parsed, result, where)
    for (row, level1, target, unit), weight in zip(parsed, weights, strict=True):
        if weight is None:
            continue
        try:
            _declare(batch, project, row, level1, target, unit, weight, form.has_weights, on, operator, result)
        except Refusal as r:
            result.refuse(row.number, {"一级指标": L1, "二级指标": L2}.get(r.field, r.field), where + r.message)
    return [f"工作表“{form.sheet}” → 项目 {project.code} {project.name}：{len(form.rows)} 项指标，"
            f"申报日期 {on.isoformat()}；{_funds_note(form, project)}", f"分值：{how}"]


def _project_of(batch: Batch, form: Form) -> ProjectYear:
    code, name = form.label("项目编号"), form.label("项目名称")
    if code:
        return batch.project(code, name)
    if not name:
        raise Refusal("项目名称", "不能为空")
    matches = [c for c, n in _project_names(batch, form.label("预算单位")).items() if n == name]
    if not matches:
        raise Refusal("项目名称", f"未找到名为“{name}”的项目（{batch.year} 年度）；请先登记项目（bpt project add），"
                               "或在申报表中加一行“项目编号”")
    if len(matches) > 1:
        raise Refusal("项目名称", f"有 {len(matches)} 个项目名为“{name}”（{'、'.join(matches)}），请在申报表中加一行“项目编号”")
    return batch.project(matches[0])


def _project_names(batch: Batch, department_name: str) -> dict[str, str]:
    """Project code → name in the year, only the 预算单位's projects when it names a department."""
    def build() -> dict[str, str]:
        departments = [batch.app.department(batch.year, code) for code in batch.app.departments(batch.year)]
        named = [d for d in departments if d.name == department_name] or departments
        return {code: batch.project(code).name for d in named for code in d.projects}

    return batch.memo(("project names", department_name), build)


def _declared_on(form: Form, year: int) -> date:
    text = form.label("填报日期")
    try:
        return clamp_to_year(cell_date(text, "填报日期"), year) if text else clamp_to_year(date.today(), year)
    except Refusal:
        return clamp_to_year(date.today(), year)


def _level1(rubric: Rubric, row: IndicatorRow) -> str:
    """The 一级指标 in the rubric's words: named by the 二级指标 when the rubric knows it
    (“社会公众或服务对象满意度指标” is a 满意度指标 whatever column it was typed in), else as written."""
    for level in rubric.levels:
        if any(row.level2 == l2 or row.level2.endswith(l2) for l2 in level.level2_names()):
            return level.name
    for level in rubric.levels:
        if level.name == row.level1 or level.name.startswith(row.level1):
            return level.name
    return row.level1


def _weights(rubric: Rubric, form: Form, parsed: list, result: ImportResult, where: str) -> tuple[list, str]:
    """Each parsed row's 分值 (None where refused) and how they were obtained."""
    if form.has_weights:
        weights = []
        for row, *_ in parsed:
            try:
                weights.append(parse_quantity(required(row.weight, WEIGHT), WEIGHT))
            except Refusal as r:
                result.refuse(row.number, WEIGHT, where + r.message)
                weights.append(None)
        return weights, "取自申报表的“分值”列"
    levels = {level.name: level.weight for level in rubric.levels}
    counts = Counter(level1 for _, level1, *_ in parsed)
    shares = {name: iter(spread_weight(levels[name], n)) for name, n in counts.items() if name in levels}
    weights = []
    for row, level1, *_ in parsed:
        if level1 in shares:
            weights.append(next(shares[level1]))
        else:
            result.refuse(row.number, L1, where + f"“{level1}”不是评分规则 {rubric.name} 的一级指标"
                                                  f"（{'、'.join(levels)}），无法分配分值；请在申报表中加“分值”列")
            weights.append(None)
    spread = "，".join(f"{name} {levels[name]} 分 ÷ {n} 项" for name, n in counts.items() if name in levels)
    execution = f"；{rubric.execution.level} {rubric.execution.weight} 分按执行率计算" if rubric.execution else ""
    return weights, f"申报表没有“分值”列，按评分规则 {rubric.name} 的一级指标分值平均分配（{spread}{execution}）"


def _declare(batch: Batch, project: ProjectYear, row: IndicatorRow, level1: str, target: Target, unit: str,
             weight: Decimal, weighed: bool, on: date, operator: str, result: ImportResult) -> None:
    """Declare one indicator, unless the project has it already: same 二级/三级 and the same
    content (the weight counts only when the file states it: a spread weight is a default)."""
    existing = next((i for i in project.indicators.values() if i["name"] == row.name and i["level2"] == row.level2),
                    None)
    if existing is not None:
        if (existing["level1"], existing["target"], existing["unit"]) == (level1, target.as_dict(), unit) and (
                not weighed or existing["weight"] == weight):
            result.skipped_duplicates += 1
            return
        raise Refusal(L3, f"项目 {project.code} 已有指标“{row.name}”（{row.level2}，{existing['code']}），内容不同："
                          f"已记录 {existing['target']['text']}，{existing['weight']} 分")
    code = project.declare_indicator(level1, row.level2, row.name, target, unit, weight, on, operator)
    batch.touch(project)
    result.record(row.number, lambda: f"{project.code} {code} {level1}/{row.level2}/{row.name}：{target.text}"
                                      f"（{target.comparison}，{unit or '无单位'}），{weight} 分", DECLARATION)


def _funds_note(form: Form, project: ProjectYear) -> str:
    m = _FUNDS.search(form.label("项目资金"))
    if not m:
        return "申报表未填资金总额"
    declared = Decimal(m[1]) * form.money_unit
    f = project.figures()
    budget = f["initial_budget"] + f["carried_over"]
    same = "与年初预算一致" if declared == budget else f"与年初预算 {fmt_yuan(budget)} 元不一致，请核对"
    return f"资金总额 {fmt_yuan(declared)} 元（{same}）"
