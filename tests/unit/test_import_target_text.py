"""Targets as the 申报表 words them (seed 002) → comparison, value, unit; weights spread exactly."""

from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.projections.imports.target_text import interpret_target, spread_weight

D = Decimal


@pytest.mark.parametrize(("text", "level2", "comparison", "value", "unit"), [
    ("全年不少 1 次", "数量指标", ">=", D(1), "次"),
    ("每半年至少 1 次", "时效指标", ">=", D(1), "次"),
    ("每季度至少 1 次", "时效指标", ">=", D(1), "次"),
    ("全年约 5 次", "数量指标", "=", D(5), "次"),
    ("满意度 95%以上", "服务对象满意度指标", ">=", D("0.95"), "%"),
    ("市直机关干部职工参与度 30%以上", "质量指标", ">=", D("0.30"), "%"),
    ("市直机关工会干部参训率 100%", "质量指标", "=", D(1), "%"),
    ("100%执行", "可持续影响指标", "=", D(1), "%"),
    ("控制 100%不发生", "生态效益指标", "=", D(1), "%"),
    ("26.00", "成本指标", "<=", D(260000), "元"),  # a bare amount on a cost row: the sheet's 万元
    ("30万元", "成本指标", "<=", D(300000), "元"),
    ("不少于 6 个大项", "数量指标", ">=", D(6), "个"),
    ("不低于 90%", "质量指标", ">=", D("0.9"), "%"),  # 不低于 contains 低于, but means ≥
    ("不超过 10 万元", "成本指标", "<=", D(100000), "元"),
    (">=5", "数量指标", ">=", D(5), ""),
    ("≤26万", "成本指标", "<=", D(260000), "元"),
])
def test_quantitative_targets(text, level2, comparison, value, unit):
    target, got_unit = interpret_target(text, level2=level2)
    assert (target.comparison, target.value, got_unit) == (comparison, value, unit)
    assert target.text.startswith(text.strip())


@pytest.mark.parametrize("text", [
    "按照中央、省委、市委要求执行",
    "对符合条件的困难职工进行慰问",
    "各市直机关党组织全覆盖，不落 1 个",  # a number inside a sentence is not a target value
    "实现 1000 余个机关基层支部全部达标",
    "按照中央、省委、市委要求执行 全年约 5 次",  # two statements merged into one cell
    "2021 年底前完成",
])
def test_prose_stays_qualitative(text):
    target, unit = interpret_target(text)
    assert target.comparison == "text" and target.value is None and target.text == text and unit == ""


def test_bare_cost_amount_keeps_its_unit_in_the_text():
    target, _ = interpret_target("26.00", level2="成本指标")
    assert target.text == "26.00万元"
    target, _ = interpret_target("260000", level2="成本指标", money_unit=D(1))
    assert (target.value, target.text) == (D(260000), "260000元")


def test_empty_target_is_refused():
    with pytest.raises(Refusal) as e:
        interpret_target("  ")
    assert e.value.field == "指标值"


@pytest.mark.parametrize(("total", "count", "expected"), [
    (D(50), 6, [D("8.34"), D("8.34"), D("8.33"), D("8.33"), D("8.33"), D("8.33")]),
    (D(30), 4, [D("7.50")] * 4),
    (D(10), 3, [D("3.34"), D("3.33"), D("3.33")]),
    (D(10), 1, [D("10.00")]),
])
def test_spread_weight_is_exact_in_cents(total, count, expected):
    weights = spread_weight(total, count)
    assert weights == expected
    assert sum(weights) == total
