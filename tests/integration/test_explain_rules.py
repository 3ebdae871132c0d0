"""explain's running execution score equals the rubric's own scoring at every step (no storage)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bpt.domain.figures import EVENT_LINES
from bpt.domain.project import ProjectYear
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, builtin_rubric, load_rubric_text, score_project
from bpt.projections.audit.explain import Running

BANDED = builtin_rubric(DEFAULT_PROJECT_RUBRIC).text.replace(
    'rule = "proportional"\ncap = "100%"                 # 执行率超过 100% 按 100% 计',
    'rule = "banded"\nbands = [\n  { when = "rate >= 100%", score = 10 },\n  { when = "rate >= 90%", score = 8 },\n'
    '  { when = "rate >= 80%", score = 6 },\n  { score = 0, label = "低于 80%" },\n]')
# A formula over executed and budget too (issue 20), truncated to one decimal.
FORMULA = builtin_rubric(DEFAULT_PROJECT_RUBRIC).text.replace(
    'rule = "proportional"\ncap = "100%"                 # 执行率超过 100% 按 100% 计',
    'rule = "formula"\nscore = "trunc(if(budget - executed <= 1000, weight, weight * min(rate, 1)), 1)"')
RUBRICS = [builtin_rubric(DEFAULT_PROJECT_RUBRIC), load_rubric_text(BANDED, "banded"), load_rubric_text(FORMULA, "formula")]
CENTS = st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n).scaleb(-2))


def test_the_banded_rubric_is_really_banded_and_the_formula_one_a_formula():
    assert RUBRICS[1].execution.rule.kind == "bands"
    assert RUBRICS[2].execution.rule.kind == "formula"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([ProjectYear.Approved, ProjectYear.Increased, ProjectYear.Decreased,
                                           ProjectYear.Paid, ProjectYear.PaymentReversed]), CENTS),
                min_size=1, max_size=12), st.sampled_from([0, 1, 2]))
def test_running_execution_score_matches_score_project(steps, which):
    rubric = RUBRICS[which]
    running = Running("execution_score", rubric, state=None)
    lines = {"budget": Decimal(0), "executed": Decimal(0)}
    for cls, amount in steps:
        line, sign = EVENT_LINES[cls]
        event = object.__new__(cls)  # only the class and the amount matter to the running value
        event.__dict__.update(amount=amount)
        shown = running.apply(event)
        if line == "executed":
            lines["executed"] += sign * amount
        else:
            lines["budget"] += (-1 if line == "decreases" else 1) * amount
        expected = score_project(rubric, lines["budget"], lines["executed"], []).execution_score
        assert shown == f"{expected:.2f}", (steps, lines)
