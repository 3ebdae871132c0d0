"""Reading a rubric file (TOML) into a ``Rubric``, checking every field on the way.

Every problem becomes one ``RubricError`` naming the line and the field; nothing in a rubric
file is executed (formulas go through ``bpt.domain.rubric.formula``). Numbers are read as Decimal
(``parse_float=Decimal``); a number may also be written as a constant formula like "10%".
"""

from __future__ import annotations

import hashlib
import re
from itertools import pairwise
import tomllib
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path as FsPath
from types import MappingProxyType
from typing import Any

from bpt.domain.rubric.formula import FUNCTIONS, Formula, FormulaError, fmt_number, parse_formula
from bpt.domain.rubric.locate import LineIndex, Path, format_path
from bpt.domain.rubric.model import (
    KINDS,
    PROJECT,
    DepartmentIndicator,
    ExecutionRule,
    GradeBand,
    Level,
    Level2,
    Overachievement,
    QualitativeBand,
    QualitativeRule,
    QuantitativeRule,
    Rubric,
    RubricError,
)
from bpt.domain.rubric.rules import (
    ABOVE,
    BELOW,
    COUNT_MODES,
    EXACT,
    RULE_KINDS,
    Band,
    BandsRule,
    Choice,
    FormulaRule,
    ManualRule,
    ProportionalRule,
    Rule,
    ThresholdRule,
)

DEFAULT_PROJECT_RUBRIC = "project-caiyu-2020-10"
COMPARISONS = (">=", "<=", "=")
PROJECT_NAMES = frozenset({"actual", "target", "weight"})  # what a quantitative score formula sees
EXECUTION_NAMES = frozenset({"rate", "weight", "executed", "budget"})  # what an execution formula sees
DEDUCTION_NAMES = PROJECT_NAMES | {"score"}  # an over-achievement deduction also sees the score
RESERVED = frozenset({"value", "weight", "rate", "actual", "target", "and", "or", "not"}) | frozenset(FUNCTIONS)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_IDENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_WEIGHT = Decimal(1000)
_RULE_KEYS = {
    "threshold": {"threshold", "direction", "step", "deduction", "count"},
    "bands": {"bands"},
    "proportional": {"cap"},
    "formula": {"score", "description"},
    "manual": {"choices"},
}


class _Ctx:
    """The text being loaded: turns a path + message into a RubricError with its line."""

    def __init__(self, text: str, source: str):
        self.index = LineIndex(text)
        self.source = source

    def error(self, path: Path, message: str, snippet: str | None = None) -> RubricError:
        return RubricError(message, self.index.line_for(path, snippet), format_path(path) or None, self.source)


class _Table:
    """One TOML table being read: typed getters that name the field on error, and a final
    check that no unknown key was left over (a misspelt key is an error, not ignored)."""

    def __init__(self, data: Any, path: Path, ctx: _Ctx):
        if not isinstance(data, dict):
            raise ctx.error(path, "应为表（table）")
        self.data, self.path, self.ctx = data, path, ctx
        self.used: set[str] = set()

    def error(self, key: str | int | None, message: str, snippet: str | None = None) -> RubricError:
        path = self.path if key is None else self.path + (key,)
        return self.ctx.error(path, message, snippet)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:  # named as the field; the line is its table's (none at the top)
                raise self.error(key, f"缺少必填字段“{key}”")
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self.raw(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, "应为文本（加引号）")
        if required and not value.strip():
            raise self.error(key, "不能为空")
        return value.strip()

    def number(self, key: str, required: bool = True, default: Decimal | None = None, *,
               low: Decimal | None = None, high: Decimal | None = None, positive: bool = False) -> Decimal | None:
        value = self.raw(key, required)
        if value is None:
            return default
        return _number(value, self, key, low=low, high=high, positive=positive)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, "应为 true 或 false")
        return value

    def formula(self, key: str, allowed: frozenset[str], required: bool = True) -> Formula | None:
        value = self.raw(key, required)
        if value is None:
            return None
        return _formula(value, self, key, allowed)

    def table(self, key: str, required: bool = True) -> _Table | None:
        value = self.raw(key, required)
        if value is None:
            return None
        return _Table(value, self.path + (key,), self.ctx)

    def items(self, key: str, required: bool = True) -> list[_Table]:
        """An array of tables (``[[key]]`` or ``key = [{...}, ...]``), items numbered from 1."""
        value = self.raw(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not value:
            raise self.error(key, "应为非空的表数组（[[...]] 或 [{...}, ...]）")
        return [_Table(item, self.path + (key, i), self.ctx) for i, item in enumerate(value, 1)]

    def done(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise self.error(key, f"未知字段“{key}”")


def _number(value: Any, t: _Table, key: str | int, *, low=None, high=None, positive=False) -> Decimal:
    if isinstance(value, bool):
        raise t.error(key, "应为数字，不是 true/false")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        formula = _formula(value, t, key, frozenset())
        try:
            number = formula.evaluate({})
        except FormulaError as e:
            raise t.error(key, e.message, value) from None
    else:
        raise t.error(key, "应为数字（如 0.2）或常数文本（如 \"10%\"）")
    if not number.is_finite():
        raise t.error(key, "应为有限数字")
    if abs(number) > Decimal("1E+12"):
        raise t.error(key, "数值过大")
    if positive and number <= 0:
        raise t.error(key, "应大于 0")
    if low is not None and number < low:
        raise t.error(key, f"不能小于 {low}")
    if high is not None and number > high:
        raise t.error(key, f"不能大于 {high}")
    return number


def _formula(value: Any, t: _Table, key: str | int, allowed: frozenset[str]) -> Formula:
    if not isinstance(value, str):
        raise t.error(key, "公式应为文本（加引号）")
    try:
        formula = parse_formula(value)
    except FormulaError as e:
        raise t.error(key, f"公式“{_clip(value)}”有误：{e.message}", value) from None
    unknown = sorted(formula.names - allowed)
    if unknown:
        names = "、".join(sorted(allowed)) or "无"
        raise t.error(key, f"公式“{_clip(value)}”使用了未声明的名称：{'、'.join(unknown)}（可用：{names}）", value)
    return formula


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."


# --- the whole file --------------------------------------------------------------------------

def load_rubric_text(text: str, source: str = "<text>") -> Rubric:
    """Load and check a rubric; raises RubricError (line, field, Chinese message) on any problem."""
    if not isinstance(text, str):
        raise RubricError("规则文件内容必须是文本", source=source)
    ctx = _Ctx(text, source)
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise _toml_error(e, text, source) from None
    except RecursionError:
        raise RubricError("TOML 嵌套过深", None, None, source) from None
    top = _Table(data, (), ctx)
    kind = top.text("kind")
    if kind not in KINDS:
        raise top.error("kind", f"应为 {' 或 '.join(KINDS)}，不是“{kind}”")
    name = top.text("name")
    if not _NAME_RE.match(name):
        raise top.error("name", "名称只能用小写字母、数字和 . _ -（不超过 64 个字符）")
    common = dict(
        name=name, kind=kind, title=top.text("title"), basis=top.text("basis", required=False),
        grades=_grades(top), text=text, source=source,
        content_hash=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    )
    if kind == PROJECT:
        rubric = _project(top, common)
    else:
        rubric = _department(top, common)
    top.done()
    return rubric


# tomllib's messages, in the language of the rest of the CLI (unknown ones are kept as they are).
_TOML_MESSAGES = (
    ("Invalid value", "无效的值（文本要加引号）"),
    ("Expected '=' after a key", "键后面应为“=”"),
    ("Invalid statement", "无效的语句"),
    ("Unterminated string", "字符串没有结束引号"),
    ("Cannot overwrite a value", "重复定义了同一个键"),
    ("Cannot declare", "重复声明了同一个表"),
    ("Unclosed array", "数组没有闭合的“]”"),
    ("Unclosed inline table", "内联表没有闭合的“}”"),
    ("Illegal character", "非法字符"),
    ("Invalid initial character for a key part", "键的开头字符无效"),
    ("Expected newline or end of document", "此处应换行"),
)


def _toml_error(e: tomllib.TOMLDecodeError, text: str, source: str) -> RubricError:
    raw = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", raw)
    detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", raw)
    gist = next((zh for en, zh in _TOML_MESSAGES if detail.startswith(en)), None)
    what = f"{gist}（{detail}）" if gist else detail
    if m:
        return RubricError(f"TOML 语法错误（第 {m.group(2)} 列）：{what}", int(m.group(1)), None, source)
    # "at end of document": the last line
    return RubricError(f"TOML 语法错误（文件末尾）：{what}", text.count("\n") + 1, None, source)


def _grades(top: _Table) -> tuple[GradeBand, ...]:
    bands = []
    for item in top.items("grades"):
        grade = item.text("grade")
        low = item.number("min", low=Decimal(0), high=MAX_WEIGHT)
        item.done()
        if any(b.grade == grade for b in bands):
            raise item.error("grade", f"等次“{grade}”重复", grade)
        if bands and low >= bands[-1].min:
            raise item.error("min", "等次须按下限从高到低排列", grade)
        bands.append(GradeBand(grade, low))
    if bands[-1].min != 0:
        raise top.error("grades", "最低一档的下限须为 0，才能给每个总分一个等次")
    return tuple(bands)


def _levels(top: _Table, need_level2_weights: bool) -> tuple[Level, ...]:
    levels: list[Level] = []
    for item in top.items("levels"):
        name = item.text("name")
        weight = item.number("weight", positive=True, high=MAX_WEIGHT)
        if any(lv.name == name for lv in levels):
            raise item.error("name", f"一级指标“{name}”重复")
        level2: list[Level2] = []
        raw = item.raw("level2", True)
        if not isinstance(raw, list) or not raw:
            raise item.error("level2", "应为二级指标的列表")
        for i, entry in enumerate(raw, 1):
            if isinstance(entry, str) and not need_level2_weights:
                l2 = Level2(entry.strip(), None)
            else:
                sub = _Table(entry, item.path + ("level2", i), item.ctx) if not isinstance(entry, str) else None
                if sub is None:
                    raise item.error("level2", "部门评分规则的二级指标须写成 { name = \"…\", weight = … }", entry)
                l2 = Level2(sub.text("name"), sub.number("weight", positive=True, high=MAX_WEIGHT,
                                                         required=need_level2_weights))
                sub.done()
            if not l2.name:
                raise item.error("level2", "二级指标名称不能为空")
            if any(x.name == l2.name for x in level2):
                raise item.error("level2", f"二级指标“{l2.name}”重复", l2.name)
            level2.append(l2)
        if need_level2_weights and sum(l2.weight for l2 in level2) != weight:
            total = sum(l2.weight for l2 in level2)
            raise item.error("weight", f"一级指标“{name}”分值 {weight} 不等于其二级指标分值之和 {total}")
        item.done()
        levels.append(Level(name, weight, tuple(level2)))
    return tuple(levels)


def _check_total(top: _Table, computed: Decimal) -> Decimal:
    total = top.number("total", required=False, positive=True, high=MAX_WEIGHT)
    if total is not None and total != computed:
        raise top.error("total", f"总分 {total} 不等于各一级指标分值之和 {computed}")
    return computed


# --- project rubrics -------------------------------------------------------------------------

def _project(top: _Table, common: dict) -> Rubric:
    levels = _levels(top, need_level2_weights=False)
    execution = _execution(top.table("execution"))
    if any(lv.name == execution.level for lv in levels):
        raise top.error("execution", f"“{execution.level}”已作为一级指标出现在 levels 中")
    level2_names = {l2.name for lv in levels for l2 in lv.level2}
    quantitative = {}
    q = top.table("quantitative")
    for comparison in COMPARISONS:
        quantitative[comparison] = _quantitative(q.table(comparison), comparison, level2_names)
    overachievement = _overachievement(q)
    q.done()
    total = _check_total(top, execution.weight + sum(lv.weight for lv in levels))
    return Rubric(**common, total=total, levels=levels, execution=execution,
                  quantitative=MappingProxyType(quantitative), qualitative=_qualitative(top.table("qualitative")),
                  overachievement=overachievement)


def _quantitative(rule: _Table, comparison: str, level2_names: set[str]) -> QuantitativeRule:
    """``[quantitative."<="]`` with its rules for particular 二级指标 (``.level2."经济成本指标"``)."""
    label = rule.text("label")
    own: dict[str, QuantitativeRule] = {}
    per_level2 = rule.table("level2", required=False)
    if per_level2 is not None:
        for name in per_level2.data:
            if name not in level2_names:
                raise per_level2.error(name, f"“{name}”不是 levels 中的二级指标（可用：{'、'.join(sorted(level2_names))}）")
            sub = per_level2.table(name)
            own[name] = QuantitativeRule(comparison, sub.text("label", required=False, default=label),
                                         sub.text("description", required=False),
                                         sub.formula("score", PROJECT_NAMES), level2_name=name)
            sub.done()
    result = QuantitativeRule(comparison, label, rule.text("description", required=False),
                              rule.formula("score", PROJECT_NAMES), level2=MappingProxyType(own))
    rule.done()
    return result


def _overachievement(q: _Table) -> Overachievement | None:
    share = q.number("overachievement", required=False, positive=True)
    deduction = q.formula("overachievement_deduction", DEDUCTION_NAMES, required=False)
    if share is None:
        if deduction is not None:
            raise q.error("overachievement_deduction", "没有 overachievement 时不需要 overachievement_deduction")
        return None
    if share <= 1:
        raise q.error("overachievement", f"超额比例应大于 100%（如 \"150%\"），不是 {share}")
    return Overachievement(share, deduction)


def _execution(t: _Table) -> ExecutionRule:
    weight = t.number("weight", positive=True, high=MAX_WEIGHT)
    kind = t.text("rule")
    if kind == "proportional":
        rule: ProportionalRule | BandsRule = ProportionalRule(t.number("cap", required=False, default=Decimal(1),
                                                                       positive=True))
    elif kind == "banded":
        rule = _bands(t, weight, frozenset({"rate", "value", "weight"}))
    elif kind == "formula":
        rule = FormulaRule(t.formula("score", EXECUTION_NAMES), "")
    else:
        raise t.error("rule", f"执行率规则应为 proportional、banded 或 formula，不是“{kind}”")
    result = ExecutionRule(
        level=t.text("level", required=False, default="预算执行率"), weight=weight, rule=rule,
        deviation_below=t.number("deviation_below", required=False, default=Decimal("0.9"),
                                 low=Decimal(0), high=Decimal(10)),
        description=t.text("description", required=False))
    t.done()
    return result


def _qualitative(t: _Table) -> QualitativeRule:
    """The grades, each [min, max) of the weight except the one reaching 100% ([min, 100%]);
    together they must cover 0–100% with neither a gap nor an overlap."""
    bands: list[tuple[QualitativeBand, _Table]] = []
    for item in t.items("grades"):
        grade = item.text("grade")
        low = item.number("min", low=Decimal(0), high=Decimal(1))
        high = item.number("max", low=Decimal(0), high=Decimal(1))
        item.done()
        if low >= high:
            raise item.error("min", f"下限 {low} 应小于上限 {high}", grade)
        if any(b.grade == grade for b, _ in bands):
            raise item.error("grade", f"等级“{grade}”重复", grade)
        bands.append((QualitativeBand(grade, low, high), item))
    ordered = sorted(bands, key=lambda b: b[0].low)
    if ordered[0][0].low != 0:
        band, item = ordered[0]
        raise item.error("min", f"等级区间有缺口：0% 至 {fmt_number(band.low * 100)}% 没有等级", band.grade)
    for (below, _), (above, item) in pairwise(ordered):
        if above.low < below.high:
            raise item.error("min", f"等级“{above.grade}”{above.interval()} 与“{below.grade}”{below.interval()} 重叠",
                             above.grade)
        if above.low > below.high:
            raise item.error("min", f"等级“{below.grade}”{below.interval()} 与“{above.grade}”{above.interval()} 之间有缺口",
                             above.grade)
    top, item = ordered[-1]
    if top.high != 1:
        raise item.error("max", f"等级区间有缺口：最高的等级“{top.grade}”应到 100%（不是 {top.interval()}）", top.grade)
    rule = QualitativeRule(tuple(b for b, _ in bands), t.boolean("reason_below_full", True))
    t.done()
    return rule


def _bands(t: _Table, weight: Decimal, allowed: frozenset[str]) -> BandsRule:
    items = t.items("bands")
    bands: list[Band] = []
    for i, item in enumerate(items, 1):
        last = i == len(items)
        when = item.formula("when", allowed, required=False)
        if when is None and not last:
            raise item.error(None, "只有最后一档可以不写条件 when")
        if when is not None and last:
            raise item.error("when", "最后一档不写条件（表示“其他”），以免有值无档", when.text)
        score = item.number("score", low=Decimal(0), high=weight)
        label = item.text("label", required=False, default=when.text if when else "其他")
        item.done()
        bands.append(Band(when, score, label))
    return BandsRule(tuple(bands))


# --- department rubrics ----------------------------------------------------------------------

def _department(top: _Table, common: dict) -> Rubric:
    figures: dict[str, str] = {}
    ft = top.table("figures")
    for key in ft.data:
        if not _IDENT_RE.match(key) or key in RESERVED:
            raise ft.error(key, f"数据项名称“{key}”须为小写字母开头的 a-z、0-9、_，且不能是保留字")
        figures[key] = ft.text(key)
    ft.done()
    levels = _levels(top, need_level2_weights=True)
    indicators: list[DepartmentIndicator] = []
    for item in top.items("indicators"):
        ind = _indicator(item, frozenset(figures), levels)
        if any(x.code == ind.code for x in indicators):
            raise item.error("code", f"指标代码“{ind.code}”重复", ind.code)
        indicators.append(ind)
    for level in levels:
        for l2 in level.level2:
            got = sum((i.weight for i in indicators if i.level1 == level.name and i.level2 == l2.name), Decimal(0))
            if got != l2.weight:
                raise top.error("levels", f"二级指标“{level.name}/{l2.name}”分值 {l2.weight} 不等于其三级指标分值之和 {got}",
                                l2.name)
    unused = sorted(set(figures) - {n for i in indicators for n in i.figure_names})
    if unused:
        raise top.error("figures", f"声明了但没有指标使用的数据项：{'、'.join(unused)}", unused[0])
    total = _check_total(top, sum(lv.weight for lv in levels))
    return Rubric(**common, total=total, levels=levels, figures=MappingProxyType(figures), indicators=tuple(indicators))


def _indicator(t: _Table, figures: frozenset[str], levels: tuple[Level, ...]) -> DepartmentIndicator:
    code = t.text("code")
    if not _IDENT_RE.match(code):
        raise t.error("code", "指标代码须为小写字母开头的 a-z、0-9、_", code)
    level1, level2 = t.text("level1"), t.text("level2")
    level = next((lv for lv in levels if lv.name == level1), None)
    if level is None:
        raise t.error("level1", f"一级指标“{level1}”不在 levels 中", level1)
    if level2 not in level.level2_names():
        raise t.error("level2", f"二级指标“{level2}”不在一级指标“{level1}”之下", level2)
    weight = t.number("weight", positive=True, high=MAX_WEIGHT)
    unit = t.text("unit", required=False)
    kind = t.text("rule")
    if kind not in RULE_KINDS:
        raise t.error("rule", f"规则应为 {'、'.join(RULE_KINDS)} 之一，不是“{kind}”", kind)
    for other, keys in _RULE_KEYS.items():
        for key in keys - _RULE_KEYS[kind]:
            if t.has(key) and other != kind:
                raise t.error(key, f"规则 {kind} 不使用字段“{key}”（它属于规则 {other}）")
    value_names = figures
    value = t.formula("value", value_names, required=kind != "manual")
    rule = _rule(t, kind, weight, figures | {"value", "weight"})
    na_if = t.formula("not_applicable_if", figures, required=False)
    na_score = None
    if t.has("not_applicable_score"):
        if na_if is None:
            raise t.error("not_applicable_score", "没有 not_applicable_if 时不需要 not_applicable_score")
        na_score = t.number("not_applicable_score", low=Decimal(0), high=weight)
    ind = DepartmentIndicator(
        code=code, level1=level1, level2=level2, name=t.text("name"), weight=weight, unit=unit,
        standard=t.text("standard", required=False), definition=t.text("definition", required=False),
        value=value, rule=rule, not_applicable_if=na_if, not_applicable_score=na_score)
    t.done()
    return ind


def _rule(t: _Table, kind: str, weight: Decimal, names: frozenset[str]) -> Rule:
    if kind == "threshold":
        direction = t.text("direction")
        if direction not in (ABOVE, BELOW):
            raise t.error("direction", f"应为 {ABOVE}（超过扣分）或 {BELOW}（低于扣分），不是“{direction}”", direction)
        count = t.text("count", required=False, default=EXACT)
        if count not in COUNT_MODES:
            raise t.error("count", f"应为 {'、'.join(COUNT_MODES)} 之一，不是“{count}”", count)
        return ThresholdRule(t.number("threshold"), direction, t.number("step", positive=True),
                             t.number("deduction", positive=True, high=weight), count)
    if kind == "bands":
        return _bands(t, weight, names)
    if kind == "proportional":
        return ProportionalRule(t.number("cap", required=False, default=Decimal(1), positive=True))
    if kind == "formula":
        return FormulaRule(t.formula("score", names), t.text("description", required=False))
    choices: list[Choice] = []
    for item in t.items("choices", required=False):
        choices.append(Choice(item.number("score", low=Decimal(0), high=weight), item.text("label")))
        item.done()
    return ManualRule(tuple(choices))


# --- files and the shipped rubrics -----------------------------------------------------------

def load_rubric_file(path: str | FsPath) -> Rubric:
    """Load a rubric file; its hash is of the bytes as stored (read in binary, no newline games)."""
    p = FsPath(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise RubricError("文件不存在", source=str(path)) from None
    except IsADirectoryError:
        raise RubricError("这是目录，不是文件", source=str(path)) from None
    except PermissionError:
        raise RubricError("没有读取权限", source=str(path)) from None
    except OSError as e:
        raise RubricError(f"无法读取文件（{type(e).__name__}）", source=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise RubricError("文件不是 UTF-8 编码", line, None, str(path)) from None
    return load_rubric_text(text, str(path))


def builtin_rubric_names() -> list[str]:
    folder = resources.files("bpt.domain.rubric") / "builtin"
    return sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".toml"))


@lru_cache(maxsize=None)  # shipped files do not change while running; a Rubric is immutable
def builtin_rubric(name: str) -> Rubric:
    """A shipped rubric by name (``domain/rubric/builtin/NAME.toml``)."""
    if name not in builtin_rubric_names():
        raise RubricError(f"没有名为“{name}”的内置评分规则（可选：{'、'.join(builtin_rubric_names())}）",
                          field="name", source="builtin")
    text = (resources.files("bpt.domain.rubric") / "builtin" / f"{name}.toml").read_bytes().decode("utf-8")
    return load_rubric_text(text, f"builtin:{name}")
