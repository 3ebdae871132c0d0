"""Seed 001 (大通湖区委组织部, 2023): its department rubric (附件5, 计分表) run on its own basic data.

Where the filing's arithmetic is consistent bpt reproduces each score; every place where the
filing is inconsistent, or scores without the data to do so, has a test below saying what the
seed shows and what bpt gives instead. Amounts in 元 (the seed's 万元 × 10,000).
"""

from decimal import Decimal

import pytest

from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, builtin_rubric, parse_formula, score_department, score_project

D = Decimal
RUBRIC = builtin_rubric("dept-datonghu-2023")

# 计分表 分值 and 得分 columns as filed (lines 337-546 of the seed).
SEED_WEIGHTS = {
    "staff_control": 7, "sangong_change": 8, "budget_completion": 5, "budget_control": 5, "building_area": 5,
    "building_investment": 5, "public_control": 7, "sangong_control": 8, "management_system": 8,
    "fund_compliance": 5, "disclosure": 2, "target_completion": 8, "economic_benefit": 5, "social_benefit": 5,
    "ecological_benefit": 5, "administrative_efficiency": 6, "satisfaction": 6,
}
SEED_SCORES = {
    "staff_control": 7, "sangong_change": 8, "budget_completion": 5, "budget_control": 5, "building_area": 5,
    "building_investment": 5, "public_control": 7, "sangong_control": 8, "management_system": 6,
    "fund_compliance": 5, "disclosure": 2, "target_completion": 8, "economic_benefit": 10,
    "administrative_efficiency": 6, "satisfaction": 6,
}  # 社会效益 and 生态效益: no score written
SEED_TOTAL = D(93)

# The department's basic data as the seed gives it (附件4 基础数据表 and the 自评表 header).
SEED_FIGURES = {
    "staff_quota": D(25), "staff_actual": D(25),                                   # 编制人数 / 实际在职人数
    "sangong_budget_last_year": D("270000"), "sangong_budget": D("270000"),        # “三公经费”上年/本年预算数 27 万
    "sangong_actual": D("112400"),                                                 # “三公经费”实际支出 11.24 万
    "initial_budget": D("6796723.79"),                                             # 当年财政拨款
    "carried_over": D("567246.59"),                                                # 上年结转资金
    "increases": D(0),                                                             # 年中预算调整 0
    "year_end_balance": D(0),                                                      # 本年结转结余总额 0
    "satisfaction_rate": D("0.98"),                                                # 自评表：满意度 ≥98%
    # The seed has no 楼堂馆所 row: an 组织部 with no building project, which the rubric scores full.
    "building_area_approved": D(0), "building_investment_approved": D(0),
}


def scored(figures=SEED_FIGURES, manual=None):
    s = score_department(RUBRIC, figures, manual or {})
    return s, {i.code: i for i in s.indicators}


def test_the_rubric_has_the_seeds_weights():
    assert {i.code: int(i.weight) for i in RUBRIC.indicators} == SEED_WEIGHTS
    assert RUBRIC.level_weights == {"投入": D(15), "过程": D(50), "产出及效率": D(35)}
    level2 = {(lv.name, l2.name): int(l2.weight) for lv in RUBRIC.levels for l2 in lv.level2}
    assert level2 == {("投入", "预算配置"): 15, ("过程", "预算执行"): 20, ("过程", "预算管理"): 30,
                      ("产出及效率", "职责履行"): 8, ("产出及效率", "履职效益"): 15,
                      ("产出及效率", "行政效能与满意度"): 12}
    assert RUBRIC.total == D(100)


@pytest.mark.parametrize("code", ["staff_control", "sangong_change", "budget_completion", "budget_control",
                                  "building_area", "building_investment", "sangong_control", "satisfaction"])
def test_scores_reproduced_from_the_seeds_own_data(code):
    _, by_code = scored()
    assert by_code[code].score == D(SEED_SCORES[code])


def test_explanations_show_formula_inputs_and_arithmetic():
    _, by_code = scored()
    staff = by_code["staff_control"].explanation
    assert "staff_actual / staff_quota = 25 / 25 = 100.00%" in staff
    assert "每超过 1 个百分点扣 0.2 分" in staff and "得分 7.00" in staff
    control = by_code["budget_control"].explanation
    assert "0 / 6796723.79 = 0.00%" in control and "→ 等于 0：5 分" in control
    assert "building_area_approved == 0" in by_code["building_area"].explanation


# --- what the seed scores without the data to do so ------------------------------------------

def test_seed_scores_without_data_bpt_says_what_is_missing():
    """公用经费控制率 (7), 目标任务实际完成率 (8) and the three 例数 deductions (6, 5, 2) are scored
    in the filing, but no 公用经费, 考核得分 or count of failing cases appears anywhere in it."""
    s, by_code = scored()
    assert by_code["public_control"].score is None
    assert by_code["public_control"].explanation == "缺少数据: public_actual, public_budget"
    assert by_code["target_completion"].explanation == "缺少数据: target_assessment_score, target_assessment_total"
    assert by_code["management_system"].explanation == "缺少数据: management_failures"
    assert not s.complete
    assert {"public_actual", "public_budget", "management_failures"} <= set(s.missing_figures)


def test_with_the_missing_figures_recorded_bpt_gives_the_seeds_scores():
    figures = {**SEED_FIGURES, "public_budget": D("100000"), "public_actual": D("95000"),
               "target_assessment_score": D(100), "target_assessment_total": D(100),
               "management_failures": D(1), "compliance_failures": D(0), "disclosure_failures": D(0)}
    _, by_code = scored(figures)
    for code in ("public_control", "target_completion", "management_system", "fund_compliance", "disclosure"):
        assert by_code[code].score == D(SEED_SCORES[code]), code


def test_management_system_deduction_contradicts_the_basic_data():
    """Seed: 管理制度健全性 6 of 8 (one case × 2) without naming the case, while the basic data
    answers 是 to every internal-control item. bpt: 8 with no failing case, 6 with one."""
    _, by_code = scored({**SEED_FIGURES, "management_failures": D(0)})
    assert by_code["management_system"].score == D(8)
    _, by_code = scored({**SEED_FIGURES, "management_failures": D(1)})
    assert by_code["management_system"].score == D(6)
    assert "扣 1 × 2 = 2 分" in by_code["management_system"].explanation


# --- inconsistencies in the filing -----------------------------------------------------------

def test_economic_benefit_scored_10_of_5_is_refused():
    """Seed: 经济效益 (分值 5, 不适用) 得分 10. bpt refuses a manual score above the weight."""
    _, by_code = scored(manual={"economic_benefit": (D(10), "按原表")})
    assert by_code["economic_benefit"].score is None
    assert by_code["economic_benefit"].status == "invalid"
    assert "超出 0 至 5 分" in by_code["economic_benefit"].explanation


def test_whole_table_reproduces_the_filed_total_with_the_10_split_over_the_three_benefits():
    """The filed 10 equals the 履职效益 subtotal when 经济效益 (不适用) gets 0 and 社会效益 and 生态效益
    5 each; with that reading, and the figures the filing omits, bpt's 合计 is the filed 93."""
    figures = {**SEED_FIGURES, "public_budget": D("100000"), "public_actual": D("95000"),
               "target_assessment_score": D(100), "target_assessment_total": D(100),
               "management_failures": D(1), "compliance_failures": D(0), "disclosure_failures": D(0)}
    manual = {"economic_benefit": (D(0), "不适用：组织部不直接产生经济效益"),
              "social_benefit": (D(5), "干部考核机制健全"),
              "ecological_benefit": (D(5), "维护本区生产生活环境"),
              "administrative_efficiency": (D(6), "效果较好")}
    s, by_code = scored(figures, manual)
    assert s.complete
    assert s.total == SEED_TOTAL
    assert s.grade == "优"
    assert s.level_scores == {"投入": D(15), "过程": D(48), "产出及效率": D(30)}
    benefits = sum(by_code[c].score for c in ("economic_benefit", "social_benefit", "ecological_benefit"))
    assert benefits == D(SEED_SCORES["economic_benefit"])
    for code, seed in SEED_SCORES.items():
        if code != "economic_benefit":
            assert by_code[code].score == D(seed), code


def test_administrative_efficiency_accepts_only_the_rubrics_choices():
    _, by_code = scored(manual={"administrative_efficiency": (D(5), "较好")})
    assert by_code["administrative_efficiency"].score is None
    assert "不是可选分值" in by_code["administrative_efficiency"].explanation
    _, by_code = scored(manual={"administrative_efficiency": (D(6), "")})
    assert "须说明理由" in by_code["administrative_efficiency"].explanation


def test_budget_completion_formula_is_misbracketed_in_the_seed():
    """Seed: 预算完成率=（上年结转+年初预算+本年追加预算-年末结余/上年结转+年初预算+本年追加预算）×100%.
    Read literally that is not a rate at all; bpt uses (A − 年末结余) / A with A = 结转 + 年初 + 追加."""
    literal = parse_formula("carried_over + initial_budget + increases - year_end_balance / carried_over"
                            " + initial_budget + increases")
    assert literal.evaluate(SEED_FIGURES) == 2 * D("6796723.79") + D("567246.59")  # ≈ 14 million "percent"
    figures = {**SEED_FIGURES, "carried_over": D(0), "initial_budget": D(1000000), "year_end_balance": D(100000)}
    _, by_code = scored(figures)
    assert by_code["budget_completion"].value == D("0.9")
    assert by_code["budget_completion"].score == D(1)  # 10 points below 100% = 2 steps of 5% × 2 = 4 off 5


def test_initial_budget_in_the_seed_already_contains_the_carry_over():
    """Seed header: 年初预算数 7363970.38 = 当年财政拨款 6796723.79 + 上年结转 567246.59, and the basic
    data shows 上年结转结余总额 0. bpt keeps the two apart; feeding the seed's literal 年初 (which
    double-counts the carry-over) changes nothing here only because 年末结余 is 0."""
    assert D("6796723.79") + D("567246.59") == D("7363970.38")
    _, apart = scored()
    _, literal = scored({**SEED_FIGURES, "initial_budget": D("7363970.38")})
    assert apart["budget_completion"].value == literal["budget_completion"].value == D(1)
    _, no_carry = scored({**SEED_FIGURES, "carried_over": D(0)})  # the basic data's 上年结转结余 0
    assert no_carry["budget_completion"].score == D(5)


def test_sangong_control_rate_is_41_63_percent_not_42():
    """Seed basic data: “三公经费”控制率 42%; the 自评表 even reports 三公经费控制率 100% / 100%.
    Exactly it is 11.24 / 27 = 41.63%; the score is full marks (8) on any of these readings."""
    _, by_code = scored()
    assert by_code["sangong_control"].value == D("112400") / D("270000")
    assert "41.63%" in by_code["sangong_control"].explanation
    assert by_code["sangong_control"].score == D(8)


def test_header_execution_rate_column_shows_an_amount():
    """Seed header: the 执行率 column of the 当年财政拨款 and 上年结转资金 rows shows 567246.59 (an
    amount). bpt computes the rate: 6796723.79 / 6796723.79 = 100%."""
    s = score_project(builtin_rubric(DEFAULT_PROJECT_RUBRIC), D("6796723.79"), D("6796723.79"), [])
    assert s.execution_rate == D(1)
    assert "= 100.00%" in s.execution_explanation


def test_the_unnamed_12_point_level_is_named_by_its_indicators():
    level = RUBRIC.level("产出及效率")
    assert "行政效能与满意度" in level.level2_names()
    assert [i.name for i in RUBRIC.indicators if i.level2 == "行政效能与满意度"] == ["行政效能", "社会公众或服务对象满意度"]


def test_investment_control_has_the_same_no_project_rule_as_its_sibling():
    """The seed's 投资概算控制率 criterion lacks “没有楼堂馆所项目的部门按满分计算” but is scored full."""
    _, by_code = scored()
    assert by_code["building_investment"].status == "not_applicable"
    assert by_code["building_investment"].score == D(5)
    _, by_code = scored({**SEED_FIGURES, "building_investment_approved": D(100), "building_investment_actual": D(112)})
    assert by_code["building_investment"].score == D("0.20")  # 12% over: 2.4 steps of 5% × 2 = 4.8 off 5


# --- robustness on department data -----------------------------------------------------------

def test_zero_quota_is_not_computable_not_a_crash():
    _, by_code = scored({**SEED_FIGURES, "staff_quota": D(0)})
    assert by_code["staff_control"].score is None
    assert by_code["staff_control"].status == "not_computable"
    assert "staff_quota" in by_code["staff_control"].explanation


def test_staff_over_quota_loses_0_2_per_point():
    _, by_code = scored({**SEED_FIGURES, "staff_actual": D(27)})  # 108%: 8 points × 0.2 = 1.6
    assert by_code["staff_control"].score == D("5.40")
    _, by_code = scored({**SEED_FIGURES, "staff_actual": D(100)})  # 400%: deducted to zero
    assert by_code["staff_control"].score == D(0)


def test_an_override_keeps_the_computed_result_beside_it():
    s, by_code = scored(manual={"staff_control": (D(6), "编制口径复核后扣 1 分"), "nonexistent": (D(1), "x")})
    assert by_code["staff_control"].score == D(6)
    assert by_code["staff_control"].status == "overridden"
    assert "覆盖计算结果 7.00 分" in by_code["staff_control"].explanation
    assert any("nonexistent" in w for w in s.warnings)


def test_manual_scores_may_be_given_as_integers_but_not_floats():
    _, by_code = scored(manual={"administrative_efficiency": (6, "效果较好")})
    assert by_code["administrative_efficiency"].score == D(6)
    _, by_code = scored(manual={"administrative_efficiency": (6.0, "效果较好")})
    assert by_code["administrative_efficiency"].score is None
