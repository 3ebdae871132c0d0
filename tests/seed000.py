"""Seed 000's department and two project years, recorded through ``BudgetApp``.

中共衡阳市直属机关工作委员会, 2021 (seeds/000 附件2/4, targets from seeds/002):
- P01 市直机关工会工作经费: 年初 26万, 调减 4万 (衡财预〔2021〕35号) → 22万, executed 15.48万 (70.36%);
- P02 党员活动经费: 年初 40万, executed 12.9万 (32.25%).
Indicator weights and actual values are seed 000's; targets are seed 002's declarations, written
as bpt targets (``>=1``, ``<=26万``, or the declared text for a qualitative indicator). Both
projects execute below 90%, so each carries a written execution deviation (``explain=False``
leaves them out, to see ``bpt close`` refuse).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bpt.domain.money import parse_quantity
from bpt.domain.values import Target
from bpt.projections.store.service import Bpt
from tests.conftest import initialised

YEAR = 2021
DEPT = "D01"
DEPT_NAME = "中共衡阳市直属机关工作委员会"
OPERATOR = "戴玉龙"
APPROVAL_DOC = "衡财预〔2021〕1号"
DECREASE_DOC = "衡财预〔2021〕35号"
DECLARED, YEAR_END = date(YEAR, 1, 15), date(YEAR, 12, 31)

PROJECTS = {"P01": "市直机关工会工作经费", "P02": "党员活动经费"}

# (level1, level2, name, target, unit, weight, actual): a qualitative actual is assessed 达成 at full marks.
INDICATORS = {
    "P01": [
        ("产出指标", "数量指标", "困难职工慰问帮扶", "对符合条件的困难职工进行慰问", "", 5, "100%"),
        ("产出指标", "数量指标", "机关工会干部业务培训", ">=1", "次", 5, "1"),
        ("产出指标", "质量指标", "文体活动", ">=30%", "%", 10, "100%"),
        ("产出指标", "质量指标", "机关工会干部业务培训", ">=100%", "%", 10, "100%"),
        ("产出指标", "时效指标", "文体活动", ">=1", "次", 10, "1"),
        ("产出指标", "成本指标", "总成本", "<=26万", "元", 10, "15.48万"),
        ("效益指标", "生态效益指标", "破坏生态环境事件", "控制 100%不发生", "", 15, "100%"),
        ("效益指标", "可持续影响指标", "提升机关执行力", "100%执行", "", 15, "100%"),
        ("满意度指标", "服务对象满意度指标", "机关党员干部满意度", ">=95%", "%", 10, "99%"),
    ],
    "P02": [
        ("产出指标", "数量指标", "模范机关创建", "按照中央、省委、市委要求执行", "", 5, "100%"),
        ("产出指标", "数量指标", "自选党建活动", ">=5", "次", 5, "5"),
        ("产出指标", "质量指标", "各市直机关党组织开展模范机关创建", "各市直机关党组织全覆盖，不落 1 个", "", 10, "100%"),
        ("产出指标", "质量指标", "支部“五化”建设", "实现 1000 余个机关基层支部全部达标", "", 10, "达标"),
        ("产出指标", "时效指标", "模范机关创建时效", "按照中央、省委、市委要求执行", "", 5, "100%"),
        ("产出指标", "时效指标", "党建活动时效", ">=1", "次", 5, "1"),
        ("产出指标", "成本指标", "总成本", "<=40万", "元", 10, "12.9万"),
        ("效益指标", "经济效益指标", "以党建活动凝聚合力，提供政治保障", "100%长期坚持", "", 10, "100%"),
        ("效益指标", "社会效益指标", "充分发挥机关党组织和广大党员先锋模范作用", "具有最强执行力，推进衡阳经济社会发展", "", 10,
         "100%"),
        ("效益指标", "生态效益指标", "破坏生态环境事件", "控制 100%不发生", "", 5, "100%"),
        ("效益指标", "可持续影响指标", "机关执行力提升，人民群众满意", "建设让党中央放心、让人民群众满意的模范机关", "", 5,
         "100%"),
        ("满意度指标", "服务对象满意度指标", "服务市直机关党员干部满意度", ">=95%", "%", 10, "100%"),
    ],
}

# 附件2 basic data, in 元 (万元 in the seed).
BASIC_DATA = {
    "public_budget": Decimal("722800"), "public_actual": Decimal("528300"),
    "sangong_last_year": Decimal("37800"), "sangong_budget": Decimal("170000"), "sangong_actual": Decimal("39600"),
    "procurement_budget": Decimal("50000"), "procurement_actual": Decimal("18200"),
}

EXECUTION_DEVIATIONS = {
    "P01": "部分培训费用在党费中开支，工会经费有结余；下一步按实际需求编制预算。",
    "P02": "部分党建活动因疫情防控延期，支出进度滞后；下一步加快活动组织和资金拨付。",
}

# What bpt computes for the seed (DOMAIN.md figures; the scores follow the default rubric).
EXPECTED = {
    "P01": {"initial_budget": "260000.00", "adjusted_budget": "220000.00", "executed": "154800.00",
            "execution_rate": "0.7036", "execution_score": "7.04", "total_score": "97.04", "grade": "优"},
    "P02": {"initial_budget": "400000.00", "adjusted_budget": "400000.00", "executed": "129000.00",
            "execution_rate": "0.3225", "execution_score": "3.23", "total_score": "93.23", "grade": "优"},
}


def record_seed000(app, *, explain: bool = True, operator: str = OPERATOR) -> None:
    """Record the whole dataset; ``explain=False`` leaves out the execution deviations."""
    app.add_department(YEAR, DEPT, DEPT_NAME, staff_quota=26, staff_actual=26, operator=operator, on=date(YEAR, 1, 1))
    for key, value in BASIC_DATA.items():
        app.record_basic_data(DEPT, YEAR, key, value, source="2021 年部门决算", operator=operator, on=YEAR_END)
    for code, name in PROJECTS.items():
        app.add_project(DEPT, YEAR, code, name, operator=operator, on=date(YEAR, 1, 1))
    app.approve("P01", YEAR, Decimal("260000"), doc=APPROVAL_DOC, on=DECLARED, operator=operator)
    app.approve("P02", YEAR, Decimal("400000"), doc=APPROVAL_DOC, on=DECLARED, operator=operator)
    app.adjust("P01", YEAR, Decimal("-40000"), doc=DECREASE_DOC, on=date(YEAR, 8, 20), reason="压减一般性支出",
               operator=operator)
    for project, amount, voucher, on in (("P01", "60000", "记-0101", date(YEAR, 4, 10)),
                                         ("P01", "94800", "记-0102", date(YEAR, 10, 10)),
                                         ("P02", "52000", "记-0201", date(YEAR, 6, 30)),
                                         ("P02", "77000", "记-0202", date(YEAR, 11, 30))):
        app.pay(project, YEAR, Decimal(amount), voucher=voucher, on=on, operator=operator)
    for code, rows in INDICATORS.items():
        for level1, level2, name, target_text, unit, weight, actual in rows:
            target = Target.parse(target_text)
            indicator = app.add_indicator(code, YEAR, level1=level1, level2=level2, name=name, target=target,
                                          unit=unit, weight=Decimal(weight), operator=operator, on=DECLARED)
            quantitative = target.is_quantitative
            app.record_actual(code, YEAR, indicator, value=parse_quantity(actual, "实际完成值") if quantitative else None, text=actual,
                              on=YEAR_END, operator=operator)
            if not quantitative:
                app.assess(code, YEAR, indicator, grade="达成", score=Decimal(weight), reason="", on=YEAR_END,
                           operator=operator)
        if explain:
            app.explain_deviation(code, YEAR, "", text=EXECUTION_DEVIATIONS[code], on=YEAR_END, operator=operator)


def open_seeded(url: str, *, explain: bool = True) -> Bpt:
    """A ``Bpt`` handle on ``url``, initialised as ``bpt init`` does and holding the dataset."""
    handle = initialised(url)
    record_seed000(handle.app, explain=explain)
    return handle
