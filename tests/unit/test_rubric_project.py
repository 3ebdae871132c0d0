"""Project scoring under the default rubric (财预〔2020〕10号) and the post-2021 layout."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpt.domain.refusal import Refusal
from bpt.domain.rubric import (
    DEFAULT_PROJECT_RUBRIC,
    IndicatorFacts,
    RubricError,
    builtin_rubric,
    check_assessment,
    score_project,
)

D = Decimal
RUBRIC = builtin_rubric(DEFAULT_PROJECT_RUBRIC)


def facts(comparison=">=", target="100", weight="20", actual=None, *, code="I1", level1="产出指标",
          level2="数量指标", grade=None, score=None, reason="", unit="次"):
    return IndicatorFacts(
        code=code, level1=level1, level2=level2, name="指标", comparison=comparison,
        target=None if target is None else D(target), target_text=f"{comparison}{target}", unit=unit,
        weight=D(weight), actual=None if actual is None else D(actual), actual_text="" if actual is None else actual,
        grade=grade, assessed_score=None if score is None else D(score), reason=reason)


def one(f, rubric=RUBRIC):
    return score_project(rubric, D("100"), D("100"), [f]).indicators[0]


# --- 预算执行率 ------------------------------------------------------------------------------

def test_execution_of_19_32_wan_out_of_21_14_wan_scores_9_14():
    s = score_project(RUBRIC, D("211400"), D("193200"), [])
    assert s.execution_rate == D("193200") / D("211400")
    assert s.execution_score == D("9.14")
    assert s.execution_weight == D(10)
    assert "执行率 91.39% × 10 = 9.14" in s.execution_explanation
    assert "193200.00" in s.execution_explanation and "211400.00" in s.execution_explanation
    assert "ROUND_HALF_UP" in s.execution_explanation


def test_full_execution_scores_10_and_over_execution_is_capped():
    assert score_project(RUBRIC, D("220000"), D("220000"), []).execution_score == D("10.00")
    over = score_project(RUBRIC, D("200000"), D("210000"), [])
    assert over.execution_score == D("10.00")
    assert over.execution_rate == D("1.05")
    assert "超过上限" in over.execution_explanation


def test_scores_are_rounded_once_at_the_end_half_up():
    # 91.4451% exactly gives 9.144451 → 9.14; rounding the rate first (91.45%) would give 9.15.
    assert score_project(RUBRIC, D("1000000"), D("914451"), []).execution_score == D("9.14")
    # 9.145 exactly: half up gives 9.15 (banker's rounding would give 9.14).
    assert score_project(RUBRIC, D("1000000"), D("914500"), []).execution_score == D("9.15")


def test_a_zero_budget_has_no_rate_and_says_so():
    s = score_project(RUBRIC, D("0"), D("0"), [])
    assert s.execution_rate is None
    assert s.execution_score == D("0")
    assert "不可计算" in s.execution_explanation
    assert s.needs_execution_deviation is False


def test_execution_below_90_percent_needs_a_deviation_reason():
    assert score_project(RUBRIC, D("100000"), D("89999"), []).needs_execution_deviation is True
    assert score_project(RUBRIC, D("100000"), D("90000"), []).needs_execution_deviation is False


# --- quantitative indicators -----------------------------------------------------------------

def test_higher_is_better_full_marks_at_or_above_target():
    assert one(facts(">=", "100", "20", "100")).score == D("20.00")
    assert one(facts(">=", "100", "20", "130")).score == D("20.00")
    assert one(facts(">=", "100", "20", "100")).below_full is False


def test_higher_is_better_proportional_below_target_with_its_explanation():
    s = one(facts(">=", "100", "20", "80"))
    assert s.score == D("16.00")
    assert s.below_full is True
    assert "if(actual >= target, weight, weight * actual / target)" in s.explanation  # the formula
    assert "actual = 80" in s.explanation and "target = 100" in s.explanation  # the inputs
    assert "80 ≥ 100 不成立 → 20 × 80 / 100 = 16" in s.explanation  # the arithmetic
    assert "越高越好" in s.rule


def test_equal_targets_score_like_higher_is_better():
    assert one(facts("=", "1", "10", "1")).score == D("10.00")
    assert one(facts("=", "1", "10", "0.95")).score == D("9.50")
    assert one(facts("=", "1", "10", "1.2")).score == D("10.00")


def test_lower_is_better():
    assert one(facts("<=", "260000", "10", "260000")).score == D("10.00")
    assert one(facts("<=", "260000", "10", "200000")).score == D("10.00")
    # between target and 2×target: 10 × (1 − (300000 − 260000)/260000) = 8.4615…
    s = one(facts("<=", "260000", "10", "300000"))
    assert s.score == D("8.46")
    assert "10 × (1 − (300000 − 260000) / 260000)" in s.explanation
    assert one(facts("<=", "260000", "10", "520000")).score == D("0.00")
    assert one(facts("<=", "260000", "10", "900000")).score == D("0.00")


def test_no_actual_yet_scores_zero_and_is_below_full():
    s = one(facts(">=", "100", "20", None))
    assert s.score == D("0")
    assert "尚无实际完成值" in s.explanation
    assert s.below_full is True


def test_a_zero_target_that_needs_a_division_is_not_computable_not_a_crash():
    s = one(facts(">=", "0", "10", "-1"))
    assert s.score is None and "不可计算" in s.explanation
    assert one(facts(">=", "0", "10", "0")).score == D("10.00")
    assert one(facts("<=", "0", "10", "0")).score == D("10.00")
    assert one(facts("<=", "0", "10", "3")).score == D("0.00")


# --- qualitative indicators ------------------------------------------------------------------

def test_qualitative_score_within_its_band():
    s = one(facts("text", None, "10", grade="达成", score="9", reason="基本完成"))
    assert s.score == D("9.00")
    assert "达成" in s.explanation and "基本完成" in s.explanation and "8–10 分" in s.explanation


@pytest.mark.parametrize("grade, score, reason, words", [
    ("达成", "7", "x", "8 至 10"),
    ("部分达成", "9", "x", "6 至 8"),
    ("未达成", "6.5", "x", "0 至 6"),
    ("部分达成", "7", "", "原因"),
    ("优秀", "10", "x", "不是评分规则中的等级"),
])
def test_qualitative_assessments_outside_the_rules_are_not_scored(grade, score, reason, words):
    s = one(facts("text", None, "10", grade=grade, score=score, reason=reason))
    assert s.score is None and words in s.explanation
    with pytest.raises(Refusal):
        check_assessment(RUBRIC, D(10), grade, D(score), reason)


def test_qualitative_full_marks_need_no_reason_and_bands_are_half_open():
    # 达成 [80%, 100%], 部分达成 [60%, 80%), 未达成 [0, 60%): each edge belongs to one grade only.
    assert one(facts("text", None, "10", grade="达成", score="10")).score == D("10.00")
    assert one(facts("text", None, "10", grade="达成", score="8", reason="x")).score == D("8.00")
    assert one(facts("text", None, "10", grade="部分达成", score="6", reason="x")).score == D("6.00")
    edge = one(facts("text", None, "10", grade="部分达成", score="8", reason="x"))
    assert edge.score is None and "不含 8 分" in edge.explanation and "[60%, 80%)" in edge.explanation
    assert one(facts("text", None, "10", grade="未达成", score="6", reason="x")).score is None


def test_qualitative_not_yet_assessed_scores_zero():
    s = one(facts("text", None, "10"))
    assert s.score == D("0") and "尚未评定" in s.explanation and s.below_full


# --- the whole project -----------------------------------------------------------------------

def test_total_and_grade():
    indicators = [
        facts(">=", "100", "50", "100", code="A"),
        facts(">=", "1", "30", "1", code="B", level1="效益指标", level2="社会效益指标"),
        facts("text", None, "10", code="C", level1="满意度指标", level2="服务对象满意度指标", grade="达成",
              score="9", reason="抽样满意度 95%"),
    ]
    s = score_project(RUBRIC, D("211400"), D("193200"), indicators)
    assert [i.score for i in s.indicators] == [D("50.00"), D("30.00"), D("9.00")]
    assert s.total == D("9.14") + D("50") + D("30") + D("9")
    assert s.grade == "优"
    assert s.warnings == []
    assert s.rubric == DEFAULT_PROJECT_RUBRIC and s.rubric_hash == RUBRIC.content_hash


def test_layout_mismatches_are_warned_not_fatal():
    s = score_project(RUBRIC, D("1"), D("1"), [facts(">=", "1", "40", "1", level1="成本指标", level2="经济成本指标")])
    assert any("成本指标" in w for w in s.warnings)
    assert s.indicators[0].score == D("40.00")


def test_post_2021_layout_accepts_cost_as_a_first_level_indicator():
    rubric = builtin_rubric("project-cost-level-2021")
    indicators = [facts(">=", "1", "40", "1", code="A"),
                  facts("<=", "260000", "10", "250000", code="B", level1="成本指标", level2="经济成本指标"),
                  facts(">=", "1", "30", "1", code="C", level1="效益指标", level2="社会效益指标"),
                  facts(">=", "1", "10", "1", code="D", level1="满意度指标", level2="服务对象满意度指标")]
    s = score_project(rubric, D("100"), D("100"), indicators)
    assert s.warnings == []
    assert s.total == D("100.00")


def test_a_department_rubric_cannot_score_a_project():
    with pytest.raises(RubricError):
        score_project(builtin_rubric("dept-datonghu-2023"), D(1), D(1), [])


# --- properties ------------------------------------------------------------------------------

_amounts = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
_targets = st.decimals(min_value="0.01", max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
_weights = st.decimals(min_value="0.5", max_value=100, places=1, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([">=", "=", "<="]), _targets, _weights, _amounts, _amounts)
def test_quantitative_scores_stay_within_weight_and_are_monotone(comparison, target, weight, a1, a2):
    low, high = sorted((a1, a2))
    s_low = one(facts(comparison, str(target), str(weight), str(low))).score
    s_high = one(facts(comparison, str(target), str(weight), str(high))).score
    for s in (s_low, s_high):
        assert D(0) <= s <= weight.quantize(D("0.01"))
    if comparison == "<=":
        assert s_low >= s_high  # lower is better: more actual never scores more
    else:
        assert s_low <= s_high


@settings(max_examples=300, deadline=None)
@given(_targets, _amounts, _amounts)
def test_execution_score_stays_within_weight_and_is_monotone(budget, e1, e2):
    low, high = sorted((e1, e2))
    s_low = score_project(RUBRIC, budget, low, []).execution_score
    s_high = score_project(RUBRIC, budget, high, []).execution_score
    assert D(0) <= s_low <= s_high <= D(10)


@settings(max_examples=200, deadline=None)
@given(_weights, st.sampled_from(["达成", "部分达成", "未达成"]), st.integers(0, 100))
def test_qualitative_scores_inside_the_band_are_accepted_as_given(weight, grade, pct):
    band = RUBRIC.qualitative.band(grade)
    pct = pct if band.closed else min(pct, 99)  # a band below 100% does not include its upper edge
    score = (band.low + (band.high - band.low) * D(pct) / 100) * weight
    s = one(facts("text", None, str(weight), grade=grade, score=str(score), reason="理由"))
    assert s.score == score.quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert D(0) <= s.score <= weight.quantize(D("0.01"))
