"""Random valid command sequences over several projects, on SQLite and PostgreSQL: the live views
(caught up at random points, in random batch sizes) equal figures computed directly from the
aggregates (``bpt.domain.figures.fold``, ``ProjectYear.figures()``, the rubric over the facts), and
equal a fresh rebuild.

Each example records a fiscal year of its own in the test's database, so examples never see
each other's projects (and the rebuild replays them all).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpt.domain.calendar import time_progress
from bpt.domain.classification import Classification
from bpt.domain.figures import EVENT_LINES, execution_rate, fold, warning_level
from bpt.domain.money import ZERO, fmt_rate, fmt_score, fmt_yuan
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import IndicatorFacts, builtin_rubric, score_project
from bpt.domain.values import BASIC_SPENDING, FUNDING_SOURCES, PROJECT_SPENDING, QUALITATIVE, Target
from bpt.projections.audit.rules import check_rules
from bpt.projections.views.queries import LINES_JSON, department_rollups, indicator_rows, monthly_execution, project_rows
from bpt.projections.views.runner import catch_up, rebuild
from bpt.projections.store.classified import derived_figures
from bpt.projections.store.service import Bpt
from bpt.projections.store.sql import Sql, to_cents
from bpt.projections.views.scores import INDICATOR_SCORES
from tests.integration.test_projections_kill import dump
from tests.conftest import initialised
from tests.integration.test_years import carry_plan

OP = "性质测试"
# (code, department, kind)
PROJECTS = (("P0", "D0", PROJECT_SPENDING), ("P1", "D0", PROJECT_SPENDING), ("P2", "D1", PROJECT_SPENDING),
            ("P3", "D1", BASIC_SPENDING))
TARGETS = ((">=5", "次"), ("<=1000", "元"), ("=100%", "%"), ("良好", ""))
SHARES = (("达成", Decimal(1)), ("达成", Decimal("0.9")), ("部分达成", Decimal("0.7")), ("未达成", Decimal("0.25")))
YEARS = itertools.count(2001)

project = st.sampled_from([p[0] for p in PROJECTS])
source = st.sampled_from(FUNDING_SOURCES)
# Few distinct days, so that events share a day (one row of the daily table) and land on both
# sides of the as-of dates (day 211 is 31 July, 212 is 1 August).
day = st.sampled_from((0, 14, 59, 120, 181, 211, 212, 300, 364))
cents = st.integers(1, 2_000_000)
# 经济分类 (none, 类 and 款, 三公 among them), 资金性质 (default and two others), 政府采购.
econ = st.sampled_from(("", "301", "30101", "302", "30201", "30217", "30231", "303", "30302", "310", "31013"))
classification = st.builds(Classification, econ=econ, func=st.sampled_from(("", "2013101", "20131")),
                           fund_type=st.sampled_from(("一般公共预算", "政府性基金预算", "财政专户管理资金")),
                           procurement=st.booleans())
commands = st.one_of(
    st.tuples(st.just("approve"), project, st.integers(100_000, 50_000_000), source, day, classification),
    st.tuples(st.just("adjust"), project, st.integers(-1_000_000, 1_000_000), source, day),
    st.tuples(st.just("transfer"), project, project, cents, source, day),
    st.tuples(st.just("pay"), project, cents, source, day, classification),
    st.tuples(st.just("pay"), project, cents, source, day, classification),
    st.tuples(st.just("reverse"), project, st.integers(0, 9), day),
    st.tuples(st.just("indicator"), project, st.sampled_from(TARGETS), st.sampled_from((5, 10, 20))),
    st.tuples(st.just("actual"), project, st.integers(0, 3), st.integers(0, 2000), day),
    st.tuples(st.just("assess"), project, st.integers(0, 3), st.sampled_from(SHARES), day),
    st.tuples(st.just("revise"), project, st.integers(0, 3), st.sampled_from(TARGETS), day),
    st.tuples(st.just("explain"), project, st.integers(-1, 3), day),
    st.tuples(st.just("forecast"), project, st.integers(-1, 3), st.integers(0, 60_000_000), day),
    st.tuples(st.just("rubric"), st.sampled_from(("D0", "D1"))),
    st.tuples(st.just("carry"), project, st.integers(-500_000, 2_000_000), st.booleans()),
    st.tuples(st.just("catch_up"), st.sampled_from((1, 3, 50, 2000))),
)


def setup_year(app, year: int) -> None:
    jan = date(year, 1, 1)
    for dept in ("D0", "D1"):
        app.add_department(year, dept, f"部门{dept}", staff_quota=20, staff_actual=18, operator=OP, on=jan)
    for code, dept, kind in PROJECTS:
        app.add_project(dept, year, code, f"项目{code}", kind=kind, operator=OP, on=jan)
        for s in FUNDING_SOURCES:  # a budget in every source, so that most payments are valid
            app.approve(code, year, Decimal(100_000), doc=f"年初批复（{s}）", on=jan, source=s, operator=OP)


def run(bpt: Bpt, year: int, command: tuple) -> None:
    """One command through the application; a refusal is a valid outcome (nothing recorded)."""
    app, name, args = bpt.app, command[0], command[1:]
    on = (lambda d: date(year, 1, 1) + timedelta(days=d))

    def indicator(code: str, i: int) -> str | None:
        codes = sorted(app.project(year, code).indicators)
        return codes[i % len(codes)] if codes else None

    try:
        if name == "approve":
            code, c, src, d, what = args
            app.approve(code, year, Decimal(c).scaleb(-2), doc=f"批{c}", on=on(d), source=src, operator=OP,
                        classification=what)
        elif name == "adjust" and args[1]:
            code, c, src, d = args
            app.adjust(code, year, Decimal(c).scaleb(-2), doc=f"调{c}", on=on(d), reason="调整", source=src, operator=OP)
        elif name == "transfer":
            a, b, c, src, d = args
            app.transfer(a, b, year, Decimal(c).scaleb(-2), doc=f"剂{c}", on=on(d), reason="调剂", source=src, operator=OP)
        elif name == "pay":
            code, c, src, d, what = args
            n = len(app.project(year, code).payments)  # reversed payments stay: the number is new
            app.pay(code, year, Decimal(c).scaleb(-2), voucher=f"记-{n}", on=on(d), source=src, operator=OP,
                    classification=what)
        elif name == "reverse":
            code, i, d = args
            vouchers = sorted(app.project(year, code).payments)
            if vouchers:
                app.reverse(code, year, voucher=vouchers[i % len(vouchers)], reason="更正", on=on(d), operator=OP)
        elif name == "indicator":
            code, (target, unit), weight = args
            n = len(app.project(year, code).indicators)
            app.add_indicator(code, year, level1="产出指标", level2="数量指标", name=f"指标{n}", target=Target.parse(target),
                              unit=unit, weight=Decimal(weight), operator=OP, on=date(year, 1, 2))
        elif name in ("actual", "assess", "revise", "explain"):
            code, i, *rest = args
            code_i = indicator(code, i) if i >= 0 else ""
            if code_i is None:
                return
            qualitative = code_i and app.project(year, code).indicators[code_i]["target"]["comparison"] == QUALITATIVE
            if name == "actual":
                value, d = rest
                app.record_actual(code, year, code_i, value=None if qualitative else Decimal(value), text=f"{value}",
                                  on=on(d), operator=OP)
            elif name == "assess":
                (grade, share), d = rest
                weight = app.project(year, code).indicators[code_i]["weight"]
                app.assess(code, year, code_i, grade=grade, score=weight * share, reason="评定理由", on=on(d), operator=OP)
            elif name == "revise":
                (target, _), d = rest
                app.revise_target(code, year, code_i, Target.parse(target), doc="改", reason="调整目标", on=on(d),
                                  operator=OP)
            else:
                (d,) = rest
                app.explain_deviation(code, year, code_i, text=f"偏差{d}", on=on(d), operator=OP)
        elif name == "forecast":  # 绩效运行监控 judgements: in the indicator view's facts, no figure moves
            code, i, c, d = args
            code_i = indicator(code, i) if i >= 0 else ""
            if code_i == "":
                app.forecast_execution(code, year, as_of=on(d), executed=Decimal(c).scaleb(-2), reason="预计",
                                       operator=OP)
            elif code_i:
                app.forecast_indicator(code, year, code_i, as_of=on(d), value=Decimal(c % 100), likelihood="有可能",
                                       cause="经费保障", action="纠偏", operator=OP)
        elif name == "rubric":
            app.adopt_rubric(args[0], year, builtin_rubric("project-cost-level-2021"), operator=OP, on=date(year, 6, 1))
        elif name == "carry":  # bpt year open: the balance of year − 1, or (update) its change
            code, c, update = args
            dept, kind = next((d, k) for p, d, k in PROJECTS if p == code)
            app.open_year(carry_plan(year, dept, code, kind, {FUNDING_SOURCES[0]: Decimal(c).scaleb(-2)}, f"结{c}"),
                          on=date(year, 1, 1), operator=OP, update=update)
        elif name == "catch_up":
            catch_up(bpt, batch_size=args[0])
    except Refusal:
        pass


# -- the reference: straight from the aggregates and their events -------------------------------

def reference(app, year: int, code: str, as_of: date) -> dict:
    p = app.project(year, code)
    events = list(app.events.get(p.id))
    lines = fold(events, as_of)
    if as_of >= date(year, 12, 31):
        assert lines == p.figures()
    by_source = {}
    for s in FUNDING_SOURCES:
        of_source = [e for e in events if type(e) in EVENT_LINES and e.source == s and e.effective_date <= as_of]
        if of_source:
            by_source[s] = fold(of_source, as_of)
    facts, deviations = [], {}
    for e in events:
        if isinstance(e, ProjectYear.IndicatorDeclared):
            facts.append({"code": e.indicator, "decl": e, "target": e.target, "actual": None, "assessed": None})
    by_code = {f["code"]: f for f in facts}
    for e in events:
        if e.effective_date > as_of or type(e) in EVENT_LINES:
            continue
        if isinstance(e, ProjectYear.TargetRevised):
            by_code[e.indicator]["target"] = e.target
        elif isinstance(e, ProjectYear.ActualRecorded):
            current = by_code[e.indicator]["actual"]
            if current is None or e.effective_date >= current.effective_date:
                by_code[e.indicator]["actual"] = e
        elif isinstance(e, ProjectYear.QualitativeAssessed):
            by_code[e.indicator]["assessed"] = e
        elif isinstance(e, ProjectYear.DeviationExplained):
            deviations[e.indicator] = e.text
    indicator_facts = [IndicatorFacts(
        code=f["code"], level1=f["decl"].level1, level2=f["decl"].level2, name=f["decl"].name,
        comparison=f["target"]["comparison"], target=f["target"]["value"], target_text=f["target"]["text"],
        unit=f["decl"].unit, weight=f["decl"].weight,
        actual=f["actual"].value if f["actual"] else None, actual_text=f["actual"].text if f["actual"] else "",
        grade=f["assessed"].grade if f["assessed"] else None,
        assessed_score=f["assessed"].score if f["assessed"] else None,
        reason=f["assessed"].reason if f["assessed"] else "") for f in facts]
    rubric = app.department(year, p.dept).rubric("project")
    score = (score_project(rubric, lines["adjusted_budget"], lines["executed"], indicator_facts)
             if p.kind == PROJECT_SPENDING else None)
    return {"lines": lines, "by_source": by_source, "facts": indicator_facts, "score": score,
            "deviations": deviations, "kind": p.kind, "dept": p.dept}


def stored_indicator_scores(bpt: Bpt, project_id) -> dict:
    with Sql(bpt.db) as sql:
        return {code: (score, rule) for code, score, rule in sql.rows(
            f"SELECT code, score, rule FROM {INDICATOR_SCORES.name} WHERE project_id = ?", (str(project_id),))}


def check_year(bpt: Bpt, year: int, as_of: date) -> None:
    app = bpt.app
    progress = time_progress(as_of, year)
    rows = {r["project"]: r for r in project_rows(bpt, year, as_of)}
    assert list(rows) == [p[0] for p in PROJECTS]
    refs = {code: reference(app, year, code, as_of) for code in rows}
    for code, row in rows.items():
        ref = refs[code]
        assert {k: row[k] for k in LINES_JSON} == {k: fmt_yuan(ref["lines"][k]) for k in LINES_JSON}, code
        assert {s["source"]: {k: s[k] for k in LINES_JSON} for s in row["by_source"]} == {
            s: {k: fmt_yuan(v[k]) for k in LINES_JSON} for s, v in ref["by_source"].items()}
        rate = execution_rate(ref["lines"]["executed"], ref["lines"]["adjusted_budget"])
        assert row["execution_rate"] == (fmt_rate(rate) if rate is not None else None)
        assert row["time_progress"] == fmt_rate(progress)
        assert row["warning"] == warning_level(rate, progress)
        score = ref["score"]
        assert row["total_score"] == (fmt_score(score.total) if score else None)
        assert row["execution_score"] == (fmt_score(score.execution_score) if score else None)
        assert row["grade"] == (score.grade if score else None)
        indicators = indicator_rows(bpt, year, code, as_of)
        assert [i["code"] for i in indicators] == [f.code for f in ref["facts"]]
        for shown, fact in zip(indicators, ref["facts"], strict=True):
            assert shown["target"] == fact.target_text
            assert shown["actual"] == (str(fact.actual) if fact.actual is not None else (fact.actual_text or None))
            assert shown["deviation"] == ref["deviations"].get(fact.code, "")
        if score:
            assert [i["score"] for i in indicators] == [fmt_score(s.score) if s.score is not None else None
                                                        for s in score.indicators]
        if as_of >= date(year, 12, 31):  # the stored score view holds each indicator's current score
            assert stored_indicator_scores(bpt, app.project(year, code).id) == (
                {s.code: (None if s.score is None else to_cents(s.score), s.rule) for s in score.indicators}
                if score else {})
    for dept in department_rollups(bpt, year, as_of):
        members = [c for c, r in refs.items() if r["dept"] == dept["dept"]]
        for kind in (PROJECT_SPENDING, BASIC_SPENDING, "合计"):
            chosen = [c for c in members if kind == "合计" or refs[c]["kind"] == kind]
            for k in LINES_JSON:
                assert dept["groups"][kind][k] == fmt_yuan(sum((refs[c]["lines"][k] for c in chosen), ZERO))
            assert dept["groups"][kind]["projects"] == len(chosen)


def check_classified(bpt: Bpt, year: int, as_of: date) -> None:
    """Every derived department figure equals a direct sum over the events (read here attribute by
    attribute, not through bpt.domain.dept_figures), and each 类 is the sum of its 款 and of the
    amounts classified at the 类 itself."""
    app = bpt.app
    for dept in ("D0", "D1"):
        derived, origin = derived_figures(bpt, year, dept, as_of)
        events = [(kind, e) for code, d, kind in PROJECTS if d == dept
                  for e in app.events.get(app.project(year, code).id)
                  if type(e) in EVENT_LINES and e.effective_date <= as_of]

        def paid(keep) -> Decimal:
            return sum((e.amount if isinstance(e, ProjectYear.Paid) else -e.amount for kind, e in events
                        if isinstance(e, (ProjectYear.Paid, ProjectYear.PaymentReversed)) and keep(kind, e)), ZERO)

        def budgeted(keep) -> Decimal:
            return sum((-e.amount if isinstance(e, (ProjectYear.Decreased, ProjectYear.TransferredOut)) else e.amount
                        for kind, e in events
                        if not isinstance(e, (ProjectYear.Paid, ProjectYear.PaymentReversed)) and keep(kind, e)), ZERO)

        basic = (lambda kind, e: kind == BASIC_SPENDING)
        sangong = ("30217", "30212", "31013", "30231")
        assert derived["basic_executed"] == paid(basic)
        assert derived["unclassified"] == paid(lambda kind, e: not e.econ)
        assert derived["sangong_actual"] == paid(lambda kind, e: e.econ in sangong)
        assert derived["sangong_budget"] == budgeted(lambda kind, e: e.econ in sangong)
        assert derived["sangong_vehicle_running_actual"] == paid(lambda kind, e: e.econ == "30231")
        assert derived["public_actual"] == paid(lambda kind, e: basic(kind, e) and e.econ[:3] in ("302", "310"))
        assert derived["personnel_budget"] == budgeted(lambda kind, e: basic(kind, e) and e.econ[:3] in ("301", "303"))
        assert derived["procurement_actual"] == paid(lambda kind, e: e.procurement)
        assert derived["procurement_budget"] == budgeted(lambda kind, e: e.procurement)
        funds = [k for k in derived if k.startswith("fund_actual.")]
        assert sum((derived[k] for k in funds), ZERO) == paid(lambda kind, e: True)
        for k in funds:
            assert derived[k] == paid(lambda kind, e, t=k.partition(".")[2]: e.fund_type == t)
        assert all(v == "计算" for k, v in origin.items())  # nothing typed: every figure is derived
        for klass in {k.partition(".")[2] for k in derived if k.startswith("basic_by_econ.")} - {""}:
            if len(klass) != 3:
                continue
            items = [k for k in derived if k.startswith(f"basic_by_econ.{klass}") and len(k) == len("basic_by_econ.") + 5]
            at_class = paid(lambda kind, e, c=klass: basic(kind, e) and e.econ == c)
            assert derived[f"basic_by_econ.{klass}"] == sum((derived[k] for k in items), ZERO) + at_class


def check_months(bpt: Bpt, year: int, code: str) -> None:
    p = bpt.app.project(year, code)
    events = list(bpt.app.events.get(p.id))
    for month in monthly_execution(bpt, year, code):
        lines = fold(events, date.fromisoformat(month["as_of"]))
        assert (month["adjusted_budget"], month["executed"]) == (fmt_yuan(lines["adjusted_budget"]),
                                                                  fmt_yuan(lines["executed"]))


@pytest.fixture
def views_db(db_url):
    bpt = initialised(db_url)
    yield bpt
    bpt.close()


def exercise(bpt: Bpt, steps: list[tuple], as_of_day: int, rebuild_batch: int = 7) -> None:
    """Record ``steps`` in a new fiscal year, then check the views against the reference and a rebuild."""
    year = next(YEARS)
    setup_year(bpt.app, year)
    for step in steps:
        run(bpt, year, step)
    catch_up(bpt)
    for as_of in (date(year, 1, 1) + timedelta(days=as_of_day), date(year, 7, 31), date(year, 12, 31)):
        check_year(bpt, year, as_of)
        check_classified(bpt, year, as_of)
    check_months(bpt, year, "P0")
    live = dump(bpt)
    rebuild(bpt, batch_size=rebuild_batch)
    assert dump(bpt) == live
    assert check_rules(bpt) == []  # every event its command recorded passes verify's rule replay


HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=15, deadline=None, suppress_health_check=HEALTH)
@given(steps=st.lists(commands, min_size=5, max_size=40), as_of_day=st.integers(0, 364))
def test_live_views_equal_the_aggregates_and_a_rebuild(views_db, steps, as_of_day):
    exercise(views_db, steps, as_of_day)
