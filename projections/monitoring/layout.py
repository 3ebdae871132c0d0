"""The 绩效运行监控表 as grids (the reports' ``Grid``): the department summary first, then one
table per project, laid out as the official form (DOMAIN.md, 双监控): 项目资金 with 年初预算数,
全年预算数, 1–N月执行数, 执行率 and 全年预计执行数; per indicator 年度指标值, 1–N月实际完成值,
全年预计完成值, 偏差, 原因分析, 完成目标可能性 and 纠偏措施. The xlsx, docx and md renderers
of the self-assessment draw them.
"""

from __future__ import annotations

from datetime import date

from bpt.domain.values import CAUSES, LIKELIHOODS
from bpt.projections.reports.layout import Grid, Units, rate, weight

LEVEL_WORDS = {"red": "红色预警", "yellow": "黄色预警", "green": "正常"}
TITLE = "项目支出绩效运行监控表"


def _months(as_of: str) -> str:
    """``1-7月`` for a date in July: the form's heading of the period monitored."""
    return f"1-{date.fromisoformat(as_of).month}月"


def _subtitle(form: dict) -> str:
    return f"填报单位：{form['dept_name']}（{form['year']} 年度）　数据截至：{form['as_of']}"


def summary_grid(form: dict, u: Units) -> Grid:
    s, period = form["summary"], _months(form["as_of"])
    g = Grid("监控汇总", "部门绩效运行监控汇总表", _subtitle(form), f"金额单位：{u.unit}",
             [8, 22, 11, 11, 11, 9, 9, 10, 11, 9, 9, 9], landscape=True)
    g.add(["项目编号", "项目名称", "年初预算数", "全年预算数", f"{period}执行数", "执行率", "序时进度", "预警",
           "全年预计执行数", "预计执行率", "预计得分", "风险分值"], header=True)
    by_code = {p["project"]: p for p in form["projects"]}
    for entry in s["at_risk"]:
        p = by_code[entry["project"]]
        r = g.add([p["project"], p["name"], u.amount(p["initial_budget"]), u.amount(p["adjusted_budget"]),
                   u.amount(p["executed"]), rate(p["execution_rate"]), rate(p["time_progress"]),
                   LEVEL_WORDS[p["warning"]], u.amount(p["forecast_executed"]), rate(p["forecast_execution_rate"]),
                   p["forecast_total_score"], p["points_at_risk"]])
        g.left.add((r, 1))
    g.add(["合计", f"{s['projects']} 个项目", u.amount(s["initial_budget"]), u.amount(s["adjusted_budget"]),
           u.amount(s["executed"]), rate(s["execution_rate"]), rate(form["time_progress"]),
           f"红 {s['warnings']['red']} 黄 {s['warnings']['yellow']}", u.amount(s["forecast_executed"]),
           rate(s["forecast_execution_rate"]), "", s["points_at_risk"]], header=True)
    g.notes = ["项目按风险分值（满分 − 预计得分）从高到低排列。",
               "预警：执行率 ÷ 序时进度 < 60% 为红色，< 80% 为黄色（默认规则）。",
               "全年预计执行数：单位填报的优先；未填报的按当前进度（已执行 ÷ 序时进度），以全年预算数为限。"]
    return g


def project_grid(form: dict, p: dict, u: Units) -> Grid:
    period = _months(form["as_of"])
    g = Grid(p["project"], TITLE, _subtitle(form), f"金额单位：{u.unit}",
             [10, 10, 10, 16, 11, 11, 11, 6, 12, 12, 18], landscape=True)
    r = g.add(["项目名称", p["name"], "", "", "", "", "主管部门", "", form["dept_name"]], spans=[(1, 5), (6, 7), (8, 10)])
    g.left.add((r, 1))
    top = g.add([f"项目资金\n（{u.unit}）", "", "", "年初预算数", "全年预算数", f"{period}执行数", "执行率",
                 "序时进度", "全年预计执行数", "预计执行率", "预警"], spans=[(1, 2)], header=True)
    g.add(["", "年度资金总额", "", u.amount(p["initial_budget"]), u.amount(p["adjusted_budget"]), u.amount(p["executed"]),
           rate(p["execution_rate"]), rate(p["time_progress"]), u.amount(p["forecast_executed"]),
           rate(p["forecast_execution_rate"]), LEVEL_WORDS[p["warning"]]], spans=[(1, 2)])
    g.merge_down(0, top, len(g.rows) - 1)
    top = g.add(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", f"{period}实际完成值", "全年预计完成值",
                 "偏差", "原因分析", "完成目标可能性", "纠偏措施"], header=True)
    if not p["indicators"]:
        g.add(["", "（未申报绩效指标）"], spans=[(1, 10)])
    for i in p["indicators"]:
        r = g.add(["", i["level1"], i["level2"], i["name"], i["target"], i["actual"] or "—", i["forecast_shown"] or "—",
                   "是" if i["deviation"] else "否", i["cause"] or "", i["likelihood"] or "未研判", i["action"] or ""])
        g.left.update({(r, 3), (r, 10)})
    _merge_levels(g, top + 1, p["indicators"])
    g.merge_down(0, top, len(g.rows) - 1)
    g.add(["预计得分", "", "", f"{p['forecast_total_score']} / {p['full_marks']}", "风险分值", "", p["points_at_risk"],
           "", "当前得分", "", p["total_score"] or "—"], spans=[(0, 2), (4, 5), (6, 7), (8, 9)], header=True)
    g.notes = [f"全年预计执行数：{p['forecast_explanation']}" + (f"（{p['forecast_reason']}）" if p["forecast_reason"] else ""),
               *[f"{i['code']} {i['name']} 全年预计完成值：{i['forecast_explanation']}" for i in p["indicators"]],
               f"原因分析可选：{'、'.join(CAUSES)}；完成目标可能性可选：{'、'.join(LIKELIHOODS)}。"]
    return g


def _merge_levels(g: Grid, first: int, indicators: list[dict]) -> None:
    """一级 and 二级 cells merged over consecutive indicators that share them, as the forms do."""
    for col, key in ((1, ("level1",)), (2, ("level1", "level2"))):
        start = first
        for n, i in enumerate(indicators):
            last = n == len(indicators) - 1
            if last or any(indicators[n + 1][k] != i[k] for k in key):
                g.merge_down(col, start, first + n)
                start = first + n + 1



def monitoring_grids(form: dict, unit: str = "万元") -> list[Grid]:
    u = Units(unit)
    return [summary_grid(form, u), *(project_grid(form, p, u) for p in form["projects"])]
