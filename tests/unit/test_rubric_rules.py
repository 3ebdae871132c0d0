"""Scoring rules a locality can state (issue 20): the execution score as a formula with round()/trunc(),
quantitative rules per 二级指标, the over-achievement flag 目标设定偏低, half-open qualitative bands, and the
project-cost-level-20-20 rubric."""

import hashlib
import re
import json
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bpt.domain.refusal import Refusal
from bpt.domain.rubric import (
    DEFAULT_PROJECT_RUBRIC,
    IndicatorFacts,
    RubricError,
    builtin_rubric,
    check_assessment,
    load_rubric_text,
    parse_formula,
    score_project,
)
from bpt.domain.rubric.formula import NotComputable
from bpt.domain.rubric.project import OVERACHIEVED
from bpt.tui.cli.rubric import rubric

D = Decimal
COST = builtin_rubric("project-cost-level-20-20")
DEFAULT_TEXT = (resources.files("bpt.domain.rubric") / "builtin" / f"{DEFAULT_PROJECT_RUBRIC}.toml").read_text("utf-8")
PROPORTIONAL = '''rule = "proportional"
cap = "100%"                 # 执行率超过 100% 按 100% 计'''


def with_execution(score: str, description: str = "") -> str:
    """The default rubric with its execution rule replaced by a formula."""
    lines = f'rule = "formula"\nscore = "{score}"'
    assert PROPORTIONAL in DEFAULT_TEXT
    text = DEFAULT_TEXT.replace(PROPORTIONAL, lines)
    return text.replace('description = "执行率得分 = 分值 × min(执行率, 100%)"', f'description = "{description}"') \
        if description else text.replace('description = "执行率得分 = 分值 × min(执行率, 100%)"\n', "")


def with_quantitative(lines: str) -> str:
    """The default rubric with keys added to its [quantitative] table."""
    first = '[quantitative.">="]'
    return DEFAULT_TEXT.replace(first, f"[quantitative]\n{lines}\n\n{first}", 1)


def facts(comparison, target, actual, *, weight="10", level1="产出指标", level2="数量指标", unit="次", code="I1"):
    return IndicatorFacts(code=code, level1=level1, level2=level2, name="指标", comparison=comparison, target=D(target),
                          target_text=f"{comparison}{target}", unit=unit, weight=D(weight), actual=D(actual),
                          actual_text=actual)


def scored(rubric, *fs):
    return score_project(rubric, D(100), D(100), list(fs)).indicators


def error_of(text: str) -> RubricError:
    with pytest.raises(RubricError) as e:
        load_rubric_text(text, "t.toml")
    return e.value


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


# --- round() and trunc() -------------------------------------------------------------------

def test_round_is_half_up_and_trunc_cuts_toward_zero():
    def value(text):
        return parse_formula(text).evaluate({})

    assert value("round(2.345, 2)") == D("2.35") and value("round(2.5)") == D(3) and value("round(-2.5)") == D(-3)
    assert value("trunc(9.97, 1)") == D("9.9") and value("trunc(-2.55, 1)") == D("-2.5") and value("trunc(7.9)") == 7
    with pytest.raises(NotComputable, match="0 至 10 的整数"):
        value("round(1, 1.5)")
    with pytest.raises(NotComputable, match="0 至 10 的整数"):
        value("trunc(1, 11)")


def test_a_rubric_with_a_trunc_execution_formula_scores_29_91_of_30_wan_9_90():
    truncated = load_rubric_text(with_execution("trunc(weight * min(rate, 1), 1)"))
    s = score_project(truncated, D("300000"), D("299100"), [])
    assert s.execution_rate == D("0.997")
    assert s.execution_score == D("9.90")
    assert "trunc(10 × min(0.997, 1), 1) = 9.9" in s.execution_explanation
    rounded = load_rubric_text(with_execution("round(weight * min(rate, 1), 2)"))
    assert score_project(rounded, D("300000"), D("299100"), []).execution_score == D("9.97")
    # Rounding the rate to the percent shown before multiplying, as some localities do.
    shown = load_rubric_text(with_execution("weight * min(round(rate, 2), 1)"))
    assert score_project(shown, D("1000000"), D("914451"), []).execution_score == D("9.10")


def test_an_execution_formula_sees_executed_and_budget():
    r = load_rubric_text(with_execution("if(budget - executed <= 1000, weight, weight * rate)", "结余不超过 1000 元得满分"))
    assert score_project(r, D("300000"), D("299100"), []).execution_score == D("10.00")
    assert score_project(r, D("300000"), D("290000"), []).execution_score == D("9.67")
    assert "结余不超过 1000 元得满分" in score_project(r, D("300000"), D("290000"), []).execution_explanation


def test_an_execution_formula_not_computable_scores_zero_and_says_why():
    r = load_rubric_text(with_execution("round(weight * rate, rate * 100)"))
    s = score_project(r, D("300000"), D("299100"), [])
    assert s.execution_score == D("0.00") and "不可计算" in s.execution_explanation


# --- rules per 二级指标 and over-achievement (one rubric: project-cost-level-20-20) --------------

def test_a_cost_indicator_and_a_quality_indicator_under_le_score_by_their_own_rules():
    cost, quality, count = scored(
        COST, facts("<=", "200000", "250000", level1="成本指标", level2="经济成本指标", unit="元", code="C1"),
        facts("<=", "0.02", "0.025", level2="质量指标", unit="%", code="Q1"),
        facts(">=", "2", "4", code="N1"))
    assert cost.score == D("8.00") and "10 × 200000 / 250000 = 8" in cost.explanation  # 指标值 / 实际值
    assert cost.rule == "成本控制（<=，经济成本指标）" and "二级指标“经济成本指标”的规则" in cost.explanation
    assert quality.score == D("7.50") and quality.rule == "越低越好（<=）"  # the linear default
    assert count.score == D("10.00") and count.flags == (OVERACHIEVED,) and not count.below_full
    assert "达到目标值的 200%" in count.explanation and cost.flags == quality.flags == ()


@pytest.mark.parametrize("comparison, target, actual, flagged", [
    (">=", "2", "3", True),      # exactly 150%
    (">=", "2", "2.99", False),
    ("=", "10", "15", True),
    ("<=", "2", "4", False),     # a "≤" indicator is never over-achieved
    (">=", "0", "5", False),     # no share of a zero target
])
def test_the_flag_comes_at_or_above_the_share_of_an_eq_or_ge_target(comparison, target, actual, flagged):
    [s] = scored(COST, facts(comparison, target, actual))
    assert (s.flags == (OVERACHIEVED,)) is flagged


def test_an_overachievement_deduction_is_a_formula_and_the_score_stays_within_the_weight():
    r = load_rubric_text(with_quantitative('overachievement = "150%"\noverachievement_deduction = "weight * 20%"'))
    [s] = scored(r, facts(">=", "2", "4"))
    assert s.score == D("8.00") and s.flags == (OVERACHIEVED,) and s.below_full
    assert "扣分 weight * 20%" in s.explanation
    harsh = load_rubric_text(with_quantitative('overachievement = "150%"\noverachievement_deduction = "score * 3"'))
    assert scored(harsh, facts(">=", "2", "4"))[0].score == D("0.00")


@pytest.mark.parametrize("lines, field, words", [
    ('overachievement = "90%"', "quantitative.overachievement", "应大于 100%"),
    ('overachievement_deduction = "1"', "quantitative.overachievement_deduction", "没有 overachievement"),
    ('overachievement = "150%"\noverachievement_deduction = "rate"', "quantitative.overachievement_deduction",
     "未声明的名称：rate"),
])
def test_overachievement_keys_are_checked(lines, field, words):
    text = with_quantitative(lines)
    e = error_of(text)
    assert e.field == field and words in e.message
    assert e.line == line_of(text, field.split(".")[-1] + " =")


def test_the_second_shipped_cost_rubric_weights_20_20_40_10():
    assert COST.level_weights == {"预算执行率": D(10), "产出指标": D(20), "成本指标": D(20), "效益指标": D(40),
                                  "满意度指标": D(10)}
    assert COST.total == D(100) and COST.level("成本指标").level2_names() == ("经济成本指标", "社会成本指标", "生态环境成本指标")
    assert set(COST.quantitative["<="].level2) == {"经济成本指标"} and COST.overachievement.share == D("1.5")
    # The other two shipped project rubrics state neither: nothing changes for them.
    for name in (DEFAULT_PROJECT_RUBRIC, "project-cost-level-2021"):
        r = builtin_rubric(name)
        assert r.overachievement is None and all(not q.level2 for q in r.quantitative.values())


# --- half-open qualitative bands -----------------------------------------------------------

def test_qualitative_bands_are_half_open_so_each_edge_has_one_grade():
    bands = {b.grade: b for b in COST.qualitative.bands}
    assert [b.interval() for b in bands.values()] == ["[80%, 100%]", "[60%, 80%)", "[0%, 60%)"]
    for share, grade in ((D("0.8"), "达成"), (D("0.6"), "部分达成"), (D(0), "未达成"), (D(1), "达成")):
        assert [g for g, b in bands.items() if b.allows(share * 10, D(10))] == [grade]
    with pytest.raises(Refusal, match="不含 6 分"):
        check_assessment(COST, D(10), "未达成", D(6), "理由")


GRADES = '''grades = [
  { grade = "达成", min = "80%", max = "100%" },
  { grade = "部分达成", min = "60%", max = "80%" },
  { grade = "未达成", min = "0%", max = "60%" },
]'''


@pytest.mark.parametrize("old, new, needle, words", [
    ('min = "60%", max = "80%"', 'min = "60%", max = "85%"', '"达成"', "重叠"),
    ('min = "60%", max = "80%"', 'min = "65%", max = "80%"', '"部分达成"', "之间有缺口"),
    ('min = "0%", max = "60%"', 'min = "10%", max = "60%"', '"未达成"', "0% 至 10% 没有等级"),
    ('min = "80%", max = "100%"', 'min = "80%", max = "95%"', '"达成"', "应到 100%"),
    ('min = "0%", max = "60%"', 'min = "60%", max = "60%"', '"未达成"', "应小于上限"),
])
def test_gapped_or_overlapping_bands_are_refused_with_their_line(old, new, needle, words):
    assert GRADES in DEFAULT_TEXT
    text = DEFAULT_TEXT.replace(GRADES, GRADES.replace(old, new))
    e = error_of(text)
    assert words in e.message and e.field.startswith("qualitative.grades[")
    assert e.line == line_of(text, needle)


# --- rubric check / show -------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(rubric, list(args))


@pytest.mark.parametrize("text, needle, words", [
    (DEFAULT_TEXT.replace(GRADES, GRADES.replace('max = "80%"', 'max = "85%"')), '"达成"', "重叠"),
    (DEFAULT_TEXT.replace(GRADES, GRADES.replace('min = "60%"', 'min = "65%"')), '"部分达成"', "缺口"),
    (DEFAULT_TEXT + '\n[quantitative."<=".level2."经济成本"]\nscore = "weight"\n', '"经济成本"', "不是 levels 中的二级指标"),
    (DEFAULT_TEXT + '\n[quantitative."<=".level2."成本指标"]\nscore = "weight * budget"\n', "weight * budget",
     "未声明的名称：budget"),
    (with_execution("trunc(weight * ratio, 1)"), "ratio", "未声明的名称：ratio"),
])
def test_rubric_check_refuses_with_the_line_number(tmp_path, text, needle, words):
    f = tmp_path / "local.toml"
    f.write_text(text, encoding="utf-8")
    r = run("check", str(f))
    assert r.exit_code == 2 and r.stdout == ""
    assert f"第 {line_of(text, needle)} 行" in r.stderr and words in r.stderr
    assert r.stderr.startswith("错误：") and len(r.stderr.strip().split("\n")) == 1


def test_rubric_check_summarises_the_rules_a_locality_stated():
    f = resources.files("bpt.domain.rubric") / "builtin" / "project-cost-level-20-20.toml"
    r = run("check", str(f))
    assert r.exit_code == 0, r.output
    assert "二级指标规则：<= · 经济成本指标" in r.stdout and "达成 [80%, 100%]、部分达成 [60%, 80%)" in r.stdout
    assert "实际值 ≥ 目标值 × 150% 时“目标设定偏低”" in r.stdout
    assert "无（均按比较方式）" in run("check", str(f.parent / f"{DEFAULT_PROJECT_RUBRIC}.toml")).stdout


def test_rubric_show_lists_the_rule_each_level2_gets():
    r = run("show", "project-cost-level-20-20")
    assert r.exit_code == 0, r.output
    assert "各二级指标适用的定量规则" in r.stdout
    row = next(line for line in r.stdout.split("\n") if "经济成本指标" in line and "本二级指标" in line)
    assert "成本控制（本二级指标）" in row and "越高越好（默认）" in row
    assert "目标设定偏低" in r.stdout and "[60%, 80%)" in r.stdout
    doc = json.loads(run("show", "project-cost-level-20-20", "--json").stdout)
    assert doc["level2_rules"]["经济成本指标"] == {">=": "越高越好（默认）", "<=": "成本控制（本二级指标）",
                                                 "=": "等于目标（按越高越好）（默认）"}
    assert doc["level2_rules"]["质量指标"]["<="] == "越低越好（默认）"
    assert doc["quantitative"]["<="]["level2"]["经济成本指标"]["score"] == "if(actual <= target, weight, weight * target / actual)"
    assert doc["overachievement"] == {"share": "1.5", "flag": OVERACHIEVED, "deduction": None}
    assert doc["qualitative"][1]["interval"] == "[60%, 80%)"


def test_rubric_show_of_an_execution_formula(tmp_path):
    f = tmp_path / "trunc.toml"
    f.write_text(with_execution("trunc(weight * min(rate, 1), 1)", "执行率得分截尾保留一位小数"), encoding="utf-8")
    shown = "".join(c for c in run("show", str(f)).stdout if c not in " │\n")  # the table may wrap the cell
    assert "执行率得分截尾保留一位小数（公式trunc(weight*min(rate,1),1)）" in shown
    doc = json.loads(run("show", str(f), "--json").stdout)
    assert doc["execution"]["rule"] == "formula" and doc["execution"]["score"] == "trunc(weight * min(rate, 1), 1)"


# --- properties ----------------------------------------------------------------------------

_decimals = st.decimals(min_value=D("-1000"), max_value=D("1000000"), places=4, allow_nan=False, allow_infinity=False)
_places = st.integers(0, 6)


@settings(max_examples=400, deadline=None)
@given(st.decimals(min_value=D(0), max_value=D("1E+9"), places=6, allow_nan=False, allow_infinity=False), _places)
def test_trunc_never_exceeds_round(x, n):
    figures = {"x": x, "n": D(n)}
    t, r = parse_formula("trunc(x, n)").evaluate(figures), parse_formula("round(x, n)").evaluate(figures)
    assert t <= r <= t + D(1).scaleb(-n)  # round is trunc or one unit of the last place above it
    assert t <= x and abs(x - r) <= D(1).scaleb(-n) / 2
    # Below zero trunc goes toward zero, so there it is its magnitude that never exceeds round's.
    neg = {"x": -x, "n": D(n)}
    assert abs(parse_formula("trunc(x, n)").evaluate(neg)) <= abs(parse_formula("round(x, n)").evaluate(neg))


_execution_formulas = st.sampled_from([
    "trunc(weight * min(rate, 1), {n})", "round(weight * min(rate, 1), {n})", "weight * min(round(rate, {n}), 1)",
    "trunc(weight * rate, {n})", "round(weight * (rate - 0.5) * 2, {n})", "weight * (budget - executed) / budget",
])


@settings(max_examples=150, deadline=None)
@given(_execution_formulas, _places, st.decimals(min_value=D("0.01"), max_value=D("1E+8"), places=2),
       st.decimals(min_value=D(0), max_value=D("2E+8"), places=2))
def test_every_execution_score_stays_within_its_weight_and_trunc_never_beats_round(formula, n, budget, executed):
    r = load_rubric_text(with_execution(formula.format(n=n)))
    s = score_project(r, budget, executed, [])
    assert D(0) <= s.execution_score <= r.execution.weight
    if formula.startswith("trunc(weight * min"):
        rounded = load_rubric_text(with_execution(formula.replace("trunc", "round").format(n=n)))
        assert s.execution_score <= score_project(rounded, budget, executed, []).execution_score


_indicators = st.builds(
    lambda comparison, level, target, actual, weight: facts(comparison, str(target), str(actual), weight=str(weight),
                                                            level1=level[0], level2=level[1]),
    st.sampled_from([">=", "<=", "="]),
    st.sampled_from([("产出指标", "数量指标"), ("成本指标", "经济成本指标"), ("产出指标", "质量指标")]),
    _decimals, _decimals, st.decimals(min_value=D(0), max_value=D(100), places=2))
_deductions = st.sampled_from(["", 'overachievement_deduction = "weight * 20%"',
                               'overachievement_deduction = "score * 2 - weight"', 'overachievement_deduction = "-5"',
                               'overachievement_deduction = "actual / target"'])


@settings(max_examples=300, deadline=None)
@given(st.lists(_indicators, min_size=1, max_size=4), _deductions)
def test_every_indicator_score_stays_within_zero_and_its_weight(indicators, deduction):
    base = COST.text.replace('overachievement = "150%"', f'overachievement = "150%"\n{deduction}')
    r = load_rubric_text(base)
    for f, s in zip(indicators, score_project(r, D(100), D(100), indicators).indicators, strict=True):
        if s.score is not None:
            assert D(0) <= s.score <= f.weight.quantize(D("0.01"), rounding=ROUND_HALF_UP)
            assert s.below_full == (s.score < f.weight)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["trunc", "round"]), _places, st.sampled_from(["120%", "150%", "200%"]), _deductions)
def test_a_rubric_text_is_pinned_by_its_hash_and_scores_the_same_reloaded(fn, n, share, deduction):
    """What an adoption keeps (the text) loads back to the rubric with the same hash and the same scores."""
    text = with_execution(f"{fn}(weight * min(rate, 1), {n})").replace(
        '[quantitative.">="]', f'[quantitative]\noverachievement = "{share}"\n{deduction}\n\n[quantitative.">="]', 1)
    first = load_rubric_text(text, "adopted")
    again = load_rubric_text(first.text, "reloaded")
    assert first.content_hash == again.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    indicators = [facts(">=", "2", "5"), facts("<=", "3", "4", level2="质量指标", code="I2")]
    assert score_project(first, D("300000"), D("299100"), indicators) == \
        score_project(again, D("300000"), D("299100"), indicators)
    assert load_rubric_text(text + "\n", "edited").content_hash != first.content_hash


def test_the_locality_example_in_the_docs_scores_as_the_docs_say():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "rubrics.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```toml\n(# 完整示例：某地项目评分规则.*?)```", docs, re.DOTALL)
    r = load_rubric_text(block, "docs")
    cost, quality, count = scored(
        r, facts("<=", "200000", "250000", level1="成本指标", level2="经济成本指标", unit="元", code="C1"),
        facts("<=", "0.02", "0.025", level2="质量指标", unit="%", code="Q1"), facts(">=", "2", "4", code="N1"))
    assert (cost.score, quality.score, count.score) == (D("8.00"), D("7.50"), D("9.00"))
    assert count.flags == (OVERACHIEVED,)
    assert score_project(r, D("300000"), D("299100"), []).execution_score == D("9.90")
    for words in ("8.00", "7.50", "10 − 1 = 9.00"):
        assert words in docs
