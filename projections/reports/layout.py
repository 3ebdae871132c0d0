"""The official tables of a self-assessment as grids of text cells with merged ranges.

One layout serves every renderer (xlsx, docx, md), so the files show the same cells. The
tables follow the seeds: 项目支出绩效自评表 (seed 000 附件4), 部门整体支出绩效自评表 (附件3),
部门整体支出绩效评价基础数据表 (附件2) and the department rubric's 计分表 (seed 001 附件5).
Amounts come from the report dict in 元 and are shown in 万元 (2 decimals, ROUND_HALF_UP) or
元; rates as percentages; weights without trailing zeros; scores with 2 decimals.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from bpt.domain.money import fmt_percent, fmt_wan, fmt_yuan
from bpt.domain.rubric.formula import fmt_number
from bpt.domain.values import PROJECT_SPENDING

STATUS_WORDS = {"missing": "缺少数据", "pending": "待人工评分", "not_computable": "不可计算", "invalid": "评分无效"}
# Basic-data keys shown in the 经费控制情况 block (the rest are listed under 其他基础数据).
SHOWN_KEYS = ("public_budget", "public_actual", "sangong_last_year", "sangong_budget", "sangong_actual",
              "procurement_budget", "procurement_actual")
# Basic-data keys that are counts or rates, not amounts.
NOT_AMOUNTS = ("management_failures", "compliance_failures", "disclosure_failures", "target_assessment_score",
               "target_assessment_total", "satisfaction_rate", "building_area_actual", "building_area_approved")


@dataclass
class Grid:
    """One table: ``rows`` is the full rectangle (cells covered by a merge are ""), ``merges``
    are (first row, first column, last row, last column), 0-based and inclusive."""

    key: str  # short name: sheet name in xlsx
    title: str
    subtitle: str
    unit_note: str
    widths: list[float]  # column widths in characters
    rows: list[list[str]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    header_rows: set[int] = field(default_factory=set)
    left: set[tuple[int, int]] = field(default_factory=set)  # cells of running text, aligned left
    notes: list[str] = field(default_factory=list)
    landscape: bool = False  # print orientation: the wide 计分表 needs landscape

    def add(self, cells: list[str], spans: list[tuple[int, int]] = (), header: bool = False) -> int:
        """Append a row; ``spans`` are (first, last) columns merged within it. Returns its index."""
        r = len(self.rows)
        self.rows.append(list(cells) + [""] * (len(self.widths) - len(cells)))
        self.merges += [(r, a, r, b) for a, b in spans]
        if header:
            self.header_rows.add(r)
        return r

    def merge_down(self, col: int, first: int, last: int) -> None:
        if last > first:
            self.merges.append((first, col, last, col))

    def covered(self) -> set[tuple[int, int]]:
        """The cells hidden under another cell's merge (every merged cell but its top-left one)."""
        return {(r, c) for r0, c0, r1, c1 in self.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
                if (r, c) != (r0, c0)}


class Units:
    """How a report shows amounts: 万元 (default) or 元."""

    def __init__(self, unit: str = "万元"):
        self.unit = unit

    def amount(self, value: str | None) -> str:
        if value is None:
            return ""
        return fmt_wan(Decimal(value)) if self.unit == "万元" else fmt_yuan(Decimal(value))


def rate(value: str | None) -> str:
    return fmt_percent(Decimal(value)) if value is not None else "—"


def weight(value: str | None) -> str:
    return fmt_number(Decimal(value)) if value is not None else ""


def _stamp(report: dict) -> list[str]:
    """The footnotes that say what the table is: issued snapshot or live, and the rules used."""
    rules = f"评分规则：{report['rubric']['title']}（{report['rubric']['name']}，sha256 {report['rubric']['hash'][:12]}）"
    if not report["issued"]:
        return [f"本表按截至事件位置 {report['position']} 的实时数据计算，{report['status']}。", rules]
    notes = [f"正式出具：快照 {report['snapshot']}（第 {report['version']} 版），按事件位置 {report['position']} 计算，"
             f"内容哈希 {report['hash']}；出具人 {report['issued_by']}，出具时间 {report['issued_at'][:19]}。", rules]
    if report["late_events"]:
        positions = "、".join(str(e["position"]) for e in report["late_events"][:10])
        notes.append(f"出具后另有 {len(report['late_events'])} 条更正事件（位置 {positions}"
                     f"{'…' if len(report['late_events']) > 10 else ''}），未计入本表。")
    return notes


def _title(report: dict, name: str) -> str:
    return name if report["issued"] else f"{name}（{report['status']}）"


def _subtitle(report: dict) -> str:
    return f"填报单位：{report['dept_name']}（{report['year']} 年度）"


def _funds_rows(g: Grid, funds: list[dict], u: Units, score_weight: str, score: str, label_col: int = 1) -> None:
    for n, f in enumerate(funds):
        first = n == 0
        if not first and is_empty(f):
            g.add(["", f["label"]], spans=[(label_col, label_col + 1)])  # as filed: an unused source stays blank
            continue
        g.add(["", f["label"], "", u.amount(f["initial_budget"]), u.amount(f["adjusted_budget"]),
               u.amount(f["executed"]), weight(score_weight) if first else "", rate(f["execution_rate"]),
               score if first else ""], spans=[(label_col, label_col + 1)])


def is_empty(fund: dict) -> bool:
    return all(Decimal(fund[k]) == 0 for k in ("initial_budget", "adjusted_budget", "executed"))


def project_grid(report: dict, p: dict, u: Units) -> Grid:
    g = Grid(p["project"], _title(report, "项目支出绩效自评表"), _subtitle(report), f"金额单位：{u.unit}",
             [14, 12, 12, 16, 15, 13, 8, 10, 16])
    r = g.add(["项目支出名称", p["name"]], spans=[(1, 8)])
    g.left.add((r, 1))
    g.add(["主管部门", report["dept_name"], "", "", "实施单位", "", report["dept_name"]], spans=[(1, 3), (4, 5), (6, 8)])
    top = g.add([f"项目资金\n（{u.unit}）", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                spans=[(1, 2)], header=True)
    _funds_rows(g, p["funds"], u, p["execution_weight"], p["execution_score"])
    g.merge_down(0, top, len(g.rows) - 1)
    top = g.add(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                 "偏差原因分析及改进措施"], header=True)
    _indicator_rows(g, p["indicators"])
    if p["execution_deviation"]:
        r = g.add(["", "预算执行偏差原因分析及改进措施", "", p["execution_deviation"]], spans=[(1, 2), (3, 8)])
        g.left.add((r, 3))
    g.merge_down(0, top, len(g.rows) - 1)
    g.add(["总分", "", "", "", "", "", weight(p["total_weight"]), p["total_score"], f"评价等次：{p['grade']}"],
          spans=[(0, 5)], header=True)
    g.notes = [f"预算执行率得分：{p['execution_explanation']}", *_stamp(report), *p["warnings"]]
    return g


def _indicator_rows(g: Grid, indicators: list[dict]) -> None:
    if not indicators:
        g.add(["", "（未申报绩效指标）"], spans=[(1, 8)])
        return
    level_weights: dict[str, Decimal] = {}
    for i in indicators:
        level_weights[i["level1"]] = level_weights.get(i["level1"], Decimal(0)) + Decimal(i["weight"])
    # Group by 一级 then 二级 in the order they were first declared, as the forms do.
    ordered = sorted(indicators, key=lambda i: (list(level_weights).index(i["level1"]),
                                                [x["level2"] for x in indicators].index(i["level2"])))
    first1 = first2 = len(g.rows)
    for n, i in enumerate(ordered):
        r = g.add(["", f"{i['level1']}\n（{fmt_number(level_weights[i['level1']])}分）", i["level2"], i["name"],
                   i["target"], i["actual"], weight(i["weight"]), i["score"] or "不可计算", deviation_text(i)])
        g.left.update({(r, 3), (r, 8)})
        last = n == len(ordered) - 1
        if last or ordered[n + 1]["level2"] != i["level2"] or ordered[n + 1]["level1"] != i["level1"]:
            g.merge_down(2, first2, r)
            first2 = r + 1
        if last or ordered[n + 1]["level1"] != i["level1"]:
            g.merge_down(1, first1, r)
            first1 = r + 1


def deviation_text(i: dict) -> str:
    """偏差原因分析 with the indicator's flags (目标设定偏低) in front, as a review notice asks
    (the forms and the TUI both show it so)."""
    flags = "".join(f"【{flag}】" for flag in i.get("flags") or ())
    return f"{flags}{i.get('deviation') or ''}"


def department_grid(report: dict, u: Units) -> Grid:
    d = report["department"]
    g = Grid("部门整体", _title(report, "部门整体支出绩效自评表"), _subtitle(report), f"金额单位：{u.unit}",
             [14, 12, 12, 16, 15, 13, 8, 10, 16])
    r = g.add(["部门名称", d["name"]], spans=[(1, 8)])
    g.left.add((r, 1))
    top = g.add([f"年度预算\n（{u.unit}）", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                spans=[(1, 2)], header=True)
    _funds_rows(g, d["funds"], u, d["execution_weight"], d["execution_score"])
    for f in d["by_kind"]:
        label = f"按支出性质：{f['label']}"
        if is_empty(f):
            g.add(["", label], spans=[(1, 2)])
            continue
        g.add(["", label, "", u.amount(f["initial_budget"]), u.amount(f["adjusted_budget"]),
               u.amount(f["executed"]), "", rate(f["execution_rate"]), ""], spans=[(1, 2)])
    g.merge_down(0, top, len(g.rows) - 1)
    top = g.add(["项目支出\n绩效", "项目名称", "", "", "全年预算数", "全年执行数", "执行率", "得分", "评价等次"],
                spans=[(1, 3)], header=True)
    for p in report["projects"]:
        r = g.add(["", f"{p['project']} {p['name']}", "", "", u.amount(p["adjusted_budget"]), u.amount(p["executed"]),
                   rate(p["execution_rate"]), p["total_score"], p["grade"]], spans=[(1, 3)])
        g.left.add((r, 1))
    if not report["projects"]:
        g.add(["", "（无项目）"], spans=[(1, 8)])
    g.merge_down(0, top, len(g.rows) - 1)
    g.add(["总分", "", "", "", "", "", "", report["total_score"], f"评价等次：{report['grade']}"],
          spans=[(0, 6)], header=True)
    g.notes = [f"总分：{report['total_rule']}。", f"部门预算执行率得分：{d['execution_explanation']}", *_stamp(report)]
    return g


def basic_data_grid(report: dict, u: Units) -> Grid:
    d, data = report["department"], report["basic_data"]
    g = Grid("基础数据", _title(report, "部门整体支出绩效评价基础数据表"), _subtitle(report), f"金额单位：{u.unit}",
             [30, 18, 18, 18])

    def value(key: str) -> str:
        entry = data.get(key)
        if entry is None:
            return ""
        return entry["value"] if key in NOT_AMOUNTS else u.amount(entry["value"])

    quota, actual = d["staff_quota"], d["staff_actual"]
    g.add(["财政供养人员情况", "编制数", f"{report['year']} 年实际在职人数", "控制率"], header=True)
    r = g.add(["", "" if quota is None else str(quota), "" if actual is None else str(actual),
               fmt_percent(Decimal(actual) / Decimal(quota)) if quota and actual is not None else "—"])
    g.merge_down(0, r - 1, r)
    g.add(["经费控制情况", f"{report['year'] - 1} 年决算数", f"{report['year']} 年预算数", f"{report['year']} 年决算数"],
          header=True)
    basic, projects = d["by_kind"]
    g.add(["一、部门基本支出", "", u.amount(basic["adjusted_budget"]), u.amount(basic["executed"])])
    g.add(["其中：公用经费", "", value("public_budget"), value("public_actual")])
    g.add(["“三公经费”", value("sangong_last_year"), value("sangong_budget"), value("sangong_actual")])
    g.add(["二、部门项目支出", "", u.amount(projects["adjusted_budget"]), u.amount(projects["executed"])])
    spending = [p for p in report["projects"] if p["kind"] == PROJECT_SPENDING]
    for n, p in enumerate(spending, 1):
        g.add([f"{n}、{p['name']}", "", u.amount(p["adjusted_budget"]), u.amount(p["executed"])])
    g.add(["政府采购金额", "", value("procurement_budget"), value("procurement_actual")])
    others = [k for k in data if k not in SHOWN_KEYS]
    if others:
        g.add(["其他基础数据", "数值", "来源", "日期"], header=True)
        for k in others:
            g.add([data[k]["label"], value(k), data[k]["source"], data[k]["date"]])
    g.left.update((r, 0) for r in range(len(g.rows)) if r not in g.header_rows)
    g.notes = ["“项目支出”含基本支出以外的全部项目支出；“公用经费”为基本支出中的一般商品和服务支出；"
               "未记录的基础数据留空（bpt dept data 记录）。", *_stamp(report)]
    return g


def scoring_grid(report: dict) -> Grid | None:
    s = report["scoring"]
    if s is None:
        return None
    g = Grid("计分表", _title(report, "部门整体支出绩效自评指标计分表"), _subtitle(report), f"评分规则：{s['rubric']}",
             [7, 6, 10, 6, 14, 6, 30, 30, 9], landscape=True)
    g.add(["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评价标准", "指标说明", "得分"], header=True)
    l1 = {lv["name"]: lv["weight"] for lv in s["levels"]}
    l2 = {(lv["name"], x["name"]): x["weight"] for lv in s["levels"] for x in lv["level2"]}
    inds = s["indicators"]
    first1 = first2 = len(g.rows)
    for n, i in enumerate(inds):
        shown = i["score"] if i["score"] is not None else STATUS_WORDS.get(i["status"], i["status"])
        r = g.add([i["level1"], weight(l1[i["level1"]]), i["level2"], weight(l2[(i["level1"], i["level2"])]),
                   i["name"], weight(i["weight"]), i["standard"] or i["rule"], i["definition"], shown])
        g.left.update({(r, 6), (r, 7)})
        last = n == len(inds) - 1
        if last or (inds[n + 1]["level1"], inds[n + 1]["level2"]) != (i["level1"], i["level2"]):
            g.merge_down(2, first2, r)
            g.merge_down(3, first2, r)
            first2 = r + 1
        if last or inds[n + 1]["level1"] != i["level1"]:
            g.merge_down(0, first1, r)
            g.merge_down(1, first1, r)
            first1 = r + 1
    g.add(["合计", "", "", "", "", "", "", "", s["total"]], spans=[(0, 7)], header=True)
    g.add(["评价等次", "", "", "", "", "", "", "", s["grade"]], spans=[(0, 7)], header=True)
    notes = [f"{s['title']}（sha256 {s['hash'][:12]}）；每项得分的计算过程见 JSON 报告（scoring.indicators[].explanation）。"]
    if s["missing_figures"]:
        notes.append(f"缺少数据：{'、'.join(s['missing_figures'])}（bpt dept data 记录后重新出具）。")
    if not s["complete"]:
        notes.append("部分指标尚无得分（缺少数据或待人工评分），合计只含已有得分。")
    g.notes = notes + _stamp(report)
    return g


def grids(report: dict, unit: str = "万元") -> list[Grid]:
    """Every table of the report, in filing order: projects, department, basic data, 计分表."""
    u = Units(unit)
    out = [project_grid(report, p, u) for p in report["projects"]]
    out += [department_grid(report, u), basic_data_grid(report, u)]
    scoring = scoring_grid(report)
    return out + ([scoring] if scoring else [])


def save_atomically(path: str, save: Callable[[str], None]) -> None:
    """Let ``save`` write a temporary file next to ``path``, then rename it into place:
    a reader never sees half a file."""
    folder, name = os.path.split(os.path.abspath(path))
    # A fresh name in the same folder (the rename stays on one file system); created by
    # ``save`` itself, so it gets the usual permissions.
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp{os.path.splitext(name)[1]}")
    try:
        save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
