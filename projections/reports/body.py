"""The self-assessment report of a department-year, as one JSON-ready dict.

``build_body`` computes it from the events stored up to a position, so an issued snapshot
can be re-derived from the events alone (``bpt verify``). Amounts are strings in 元 with
2 decimals, rates fractions with 4, scores and weights 2 decimals (CLI.md); renderers convert
units at the edge. ``build_report`` answers ``bpt report``: the latest issued snapshot (or a
given one) with the events recorded after it flagged, or live figures marked 未正式出具.
"""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal

from bpt.domain.department import BASIC_DATA, DepartmentYear
from bpt.domain.ledger import department_id, project_id
from bpt.domain.money import CENT, ZERO, fmt_rate, fmt_score, fmt_wan, fmt_yuan
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import (ProjectScore, Rubric, RubricError, builtin_rubric, builtin_rubric_names, load_rubric_file,
                           score_department, score_project)
from bpt.domain.rubric.formula import fmt_number
from bpt.domain.values import BASIC_SPENDING, CARRIED, CURRENT, OTHER, PROJECT_SPENDING
from bpt.projections.store.eventlog import Logged, head, log, logs, replay, row
from bpt.projections.store.facts import ProjectFacts, department_figures, department_state, projects_facts
from bpt.projections.store.service import Bpt

LIVE = "未正式出具"
ISSUED = "正式出具"
PROJECT, DEPARTMENT = "project", "department"
AMOUNT_LINES = ("initial_budget", "carried_over", "increases", "decreases", "transfers_in", "transfers_out",
                "adjusted_budget", "executed")
FUND_LABELS = {None: "年度资金总额", CURRENT: "其中：当年财政拨款", CARRIED: "上年结转资金", OTHER: "其他资金"}
WEIGHTED_RULE = "未采用部门整体评分规则：部门总分 = Σ(项目全年预算数 × 项目得分) / Σ项目全年预算数"


# -- rubrics ---------------------------------------------------------------------------

def load_rubric(name_or_path: str) -> Rubric:
    """A shipped rubric by name, or a rubric file; refused in one line when unusable."""
    try:
        if name_or_path in builtin_rubric_names():
            return builtin_rubric(name_or_path)
        return load_rubric_file(name_or_path)
    except RubricError as e:
        raise Refusal("评分规则", str(e)) from None


def rubrics_in_force(d: DepartmentYear, rubric: str | None = None,
                     dept_rubric: str | None = None) -> tuple[Rubric, Rubric | None]:
    """(project rubric, department rubric or None): as given, else as adopted (the text kept
    in the department's events), else the project default and no department rubric."""
    def given(kind: str, name: str) -> Rubric:
        chosen = load_rubric(name)
        if chosen.kind != kind:
            raise Refusal("评分规则", f"{chosen.name} 是 {chosen.kind} 评分规则，这里需要 {kind} 评分规则")
        return chosen

    project_rubric = given(PROJECT, rubric) if rubric else d.rubric(PROJECT)
    if dept_rubric:
        return project_rubric, given(DEPARTMENT, dept_rubric)
    return project_rubric, d.rubric(DEPARTMENT) if DEPARTMENT in d.rubrics else None


# -- the body: everything computed from the events up to a position ---------------------

def content_hash(body: dict) -> str:
    """sha256 of the canonical JSON of a report body (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _rate(rate: Decimal | None) -> str | None:
    return fmt_rate(rate) if rate is not None else None


def _fund(label: str, source: str | None, initial: Decimal, adjusted: Decimal, executed: Decimal) -> dict:
    return {"label": label, "source": source, "initial_budget": fmt_yuan(initial), "adjusted_budget": fmt_yuan(adjusted),
            "executed": fmt_yuan(executed), "execution_rate": _rate(executed / adjusted if adjusted > 0 else None)}


def _funds(projects: list[ProjectFacts]) -> list[dict]:
    """年度资金总额 and one line per funding source (上年结转 counts in 年初预算数 of its own line)."""
    def total(attr: str, source: str | None) -> Decimal:
        return sum((getattr(s, attr) for p in projects for s in p.sources if source in (None, s.source)), ZERO)

    return [_fund(label, source, total("initial_budget", source), total("adjusted_budget", source),
                  total("executed", source)) for source, label in FUND_LABELS.items()]


def score(facts: ProjectFacts, rubric: Rubric) -> ProjectScore:
    """A project's score under a rubric, from its facts."""
    return score_project(rubric, facts.lines["adjusted_budget"], facts.lines["executed"], facts.indicators)


def with_unit(shown: str, unit: str) -> str:
    """A figure as the forms write it: a bare number gets its unit (``1`` → ``1次``); a text that
    already says it (``100%执行``, ``95%以上``, ``26万``) is left as typed."""
    return f"{shown}{unit}" if unit and shown[-1:].isdigit() else shown


def show_target(comparison: str, text: str, unit: str) -> str:
    """年度指标值 as the forms write it: ``≥1次``, ``≤26万元``, or the qualitative text."""
    shown = text.strip().replace(">=", "≥").replace("<=", "≤")
    return shown if comparison == "text" else with_unit(shown, unit)


def show_actual(value: Decimal | None, text: str, unit: str, target: str) -> str:
    """实际完成值 as recorded (``100%``, ``15.48万``), a bare number with its unit (``1次``); a bare
    amount in 元 against a target written in 万 in 万元 like the rest of the form (``15.48万元``)."""
    shown = text.strip() or ("" if value is None else fmt_number(value))
    if unit == "元" and value is not None and "万" in target and shown[-1:].isdigit():
        return f"{fmt_wan(value)}万元"
    return with_unit(shown, unit)


def project_entry(f: ProjectFacts, rubric: Rubric) -> dict:
    s = score(f, rubric)
    indicators = []
    for facts, result in zip(f.indicators, s.indicators, strict=True):
        indicators.append({
            "code": facts.code, "level1": facts.level1, "level2": facts.level2, "name": facts.name,
            "target": (target := show_target(facts.comparison, facts.target_text, facts.unit)), "unit": facts.unit,
            "actual": show_actual(facts.actual, facts.actual_text, facts.unit, target),
            "weight": fmt_score(facts.weight), "score": fmt_score(result.score) if result.score is not None else None,
            "rule": result.rule, "explanation": result.explanation, "below_full": result.below_full,
            "deviation": f.deviations.get(facts.code, ""),
            # Only when there are any, so the bodies of snapshots issued before flags existed re-derive unchanged.
            **({"flags": list(result.flags)} if result.flags else {}),
        })
    total_weight = s.execution_weight + sum((i.weight for i in f.indicators), ZERO)
    return {
        "project": f.code, "name": f.name, "kind": f.kind, "dept": f.dept, "position": f.position,
        **{line: fmt_yuan(f.lines[line]) for line in AMOUNT_LINES},
        "execution_rate": _rate(s.execution_rate), "execution_weight": fmt_score(s.execution_weight),
        "execution_score": fmt_score(s.execution_score), "execution_explanation": s.execution_explanation,
        "needs_execution_deviation": s.needs_execution_deviation, "execution_deviation": f.execution_deviation,
        "funds": _funds([f]), "indicators": indicators,
        "total_weight": fmt_score(total_weight), "total_score": fmt_score(s.total), "grade": s.grade,
        "warnings": list(s.warnings),
    }


def project_gaps(entry: dict, rubric: Rubric) -> list[str]:
    """What keeps a project's self-assessment from being issued (DOMAIN.md: a shortfall needs a reason)."""
    code, gaps = entry["project"], []
    if entry["needs_execution_deviation"] and not entry["execution_deviation"].strip():
        rate = Decimal(entry["execution_rate"]) * 100
        gaps.append(f"{code} 执行率 {fmt_number(rate, 2)}% 低于 {fmt_number(rubric.execution.deviation_below * 100)}%，"
                    f"缺少预算执行偏差说明（bpt indicator explain {code} --text …）")
    for i in entry["indicators"]:
        if i["below_full"] and not i["deviation"].strip():
            got = i["score"] if i["score"] is not None else "不可计算"
            gaps.append(f"{code} {i['code']}（{i['name']}）得分 {got} 低于分值 {fmt_number(Decimal(i['weight']))}，"
                        f"缺少偏差原因分析（bpt indicator explain {code} {i['code']} --text …）")
        elif i.get("flags") and not i["deviation"].strip():
            gaps.append(f"{code} {i['code']}（{i['name']}）{'、'.join(i['flags'])}（实际完成值 {i['actual']}，年度指标值 "
                        f"{i['target']}），缺少偏差原因分析（bpt indicator explain {code} {i['code']} --text …）")
    if Decimal(entry["total_weight"]) != rubric.total:
        indicator_weights = Decimal(entry["total_weight"]) - Decimal(entry["execution_weight"])
        gaps.append(f"{code} 指标分值合计 {fmt_number(indicator_weights)} + 预算执行率 "
                    f"{fmt_number(Decimal(entry['execution_weight']))} = {fmt_number(Decimal(entry['total_weight']))}，"
                    f"与评分规则 {rubric.name} 的总分 {fmt_number(rubric.total)} 不一致")
    return gaps


def _by_kind(projects: list[ProjectFacts]) -> list[dict]:
    out = []
    for kind in (BASIC_SPENDING, PROJECT_SPENDING):
        chosen = [p for p in projects if p.kind == kind]
        initial = sum((p.lines["initial_budget"] + p.lines["carried_over"] for p in chosen), ZERO)
        adjusted = sum((p.lines["adjusted_budget"] for p in chosen), ZERO)
        executed = sum((p.lines["executed"] for p in chosen), ZERO)
        out.append(_fund(kind, None, initial, adjusted, executed))
    return out


def _department(d: DepartmentYear, projects: list[ProjectFacts], rubric: Rubric) -> dict:
    figures = {line: sum((p.lines[line] for p in projects), ZERO) for line in AMOUNT_LINES}
    execution = score_project(rubric, figures["adjusted_budget"], figures["executed"], [])
    return {
        "dept": d.code, "name": d.name, "staff_quota": d.staff_quota, "staff_actual": d.staff_actual,
        **{line: fmt_yuan(v) for line, v in figures.items()},
        "execution_rate": _rate(execution.execution_rate), "execution_weight": fmt_score(execution.execution_weight),
        "execution_score": fmt_score(execution.execution_score), "execution_explanation": execution.execution_explanation,
        "funds": _funds(projects), "by_kind": _by_kind(projects),
    }


def _scoring(rubric: Rubric, figures: dict[str, Decimal]) -> dict:
    s = score_department(rubric, figures)
    levels = [{"name": lv.name, "weight": fmt_score(lv.weight),
               "level2": [{"name": l2.name, "weight": fmt_score(l2.weight) if l2.weight is not None else None}
                          for l2 in lv.level2]} for lv in rubric.levels]
    by_code = {i.code: i for i in rubric.indicators}
    return {
        "rubric": rubric.name, "title": rubric.title, "hash": rubric.content_hash, "levels": levels,
        "indicators": [{"code": i.code, "level1": i.level1, "level2": i.level2, "name": i.name,
                        "weight": fmt_score(i.weight), "unit": i.unit, "standard": by_code[i.code].standard,
                        "definition": by_code[i.code].definition,
                        "value": fmt_rate(i.value) if i.value is not None else None,
                        "score": fmt_score(i.score) if i.score is not None else None, "status": i.status,
                        "rule": i.rule, "explanation": i.explanation} for i in s.indicators],
        "total": fmt_score(s.total), "grade": s.grade, "complete": s.complete,
        "missing_figures": list(s.missing_figures), "warnings": list(s.warnings),
    }


def _weighted_total(projects: list[dict], rubric: Rubric) -> tuple[Decimal, str]:
    weights = [(Decimal(p["adjusted_budget"]), Decimal(p["total_score"])) for p in projects]
    budget = sum((w for w, _ in weights), ZERO)
    if budget <= 0:
        return ZERO.quantize(CENT), rubric.grade_for(ZERO)
    total = (sum((w * s for w, s in weights), ZERO) / budget).quantize(CENT, rounding=ROUND_HALF_UP)
    return total, rubric.grade_for(total)


def build_body(bpt: Bpt, dept: str, year: int, position: int, rubric: Rubric, dept_rubric: Rubric | None) -> dict:
    """Every figure and score of the department-year from the events stored up to ``position``."""
    d = department_state(bpt, year, dept, position)
    if d is None:
        raise Refusal("部门", f"未找到部门 {dept}（{year} 年度）")
    facts = projects_facts(bpt, year, list(d.projects), position)
    projects = [project_entry(f, rubric) for f in facts]
    scoring = _scoring(dept_rubric, department_figures(d, facts)) if dept_rubric else None
    if scoring:
        total, grade, rule = Decimal(scoring["total"]), scoring["grade"], f"按部门整体评分规则 {dept_rubric.name} 计分"
    else:
        (total, grade), rule = _weighted_total(projects, rubric), WEIGHTED_RULE
    return {
        "dept": dept, "dept_name": d.name, "year": year, "position": position,
        "rubric": {"name": rubric.name, "title": rubric.title, "hash": rubric.content_hash},
        "dept_rubric": ({"name": dept_rubric.name, "title": dept_rubric.title, "hash": dept_rubric.content_hash}
                        if dept_rubric else None),
        "projects": projects,
        "department": _department(d, facts, rubric),
        "basic_data": {k: {"label": BASIC_DATA[k], "value": str(v["value"]), "source": v["source"],
                           "date": v["date"].isoformat()} for k, v in sorted(d.basic_data.items())},
        "scoring": scoring,
        "total_score": fmt_score(total), "grade": grade, "total_rule": rule,
        "gaps": [g for p in projects for g in project_gaps(p, rubric)],
    }


# -- issued snapshots and the report ---------------------------------------------------

def issued(bpt: Bpt, dept: str, year: int) -> list[Logged]:
    """The department-year's SelfAssessmentIssued events, oldest first."""
    return [x for x in log(bpt, department_id(year, dept)) if x.type == "SelfAssessmentIssued"]


def find_snapshot(bpt: Bpt, dept: str, year: int, snapshot: str | None = None) -> Logged | None:
    """The issued snapshot with this id (refused if unknown), or the latest one (None if none)."""
    versions = issued(bpt, dept, year)
    if snapshot is None:
        return versions[-1] if versions else None
    for x in versions:
        if x.event.snapshot == snapshot:
            return x
    raise Refusal("快照", f"部门 {dept} {year} 年度没有快照 {snapshot}"
                          f"（已出具：{'、'.join(x.event.snapshot for x in versions) or '无'}）")


def late_events(bpt: Bpt, dept: str, year: int, position: int) -> list[dict]:
    """Events of the department-year and its projects stored after ``position`` (late corrections).

    Later self-assessments themselves are not corrections and are left out.
    """
    department = log(bpt, department_id(year, dept))  # read once: it holds every issued snapshot
    projects = {project_id(year, code): code for code in replay(department).projects}
    keys = {department_id(year, dept): dept, **projects}
    found = {department_id(year, dept): department, **logs(bpt, projects)}
    rows = [row(x, keys[oid]) for oid, xs in found.items() for x in xs
            if x.position > position and x.type != "SelfAssessmentIssued"]
    return sorted(rows, key=lambda r: r["position"])


def live_body(bpt: Bpt, dept: str, year: int, rubric: str | None = None, dept_rubric: str | None = None) -> dict:
    """The body computed now, from every event stored so far."""
    d = department_state(bpt, year, dept)
    if d is None:
        raise Refusal("部门", f"未找到部门 {dept}（{year} 年度）")
    project_rubric, department_rubric = rubrics_in_force(d, rubric, dept_rubric)
    return build_body(bpt, dept, year, head(bpt), project_rubric, department_rubric)


def build_report(bpt: Bpt, dept: str, year: int, snapshot: str | None = None, live: bool = False,
                 rubric: str | None = None, dept_rubric: str | None = None) -> dict:
    """``bpt report``: an issued snapshot (the latest, or ``snapshot``), or live figures.

    Another rubric than the one a snapshot was issued under only makes sense for live figures.
    """
    if live and snapshot:
        raise Refusal("--snapshot", "不能与 --live 同时使用")
    chosen = None if live else find_snapshot(bpt, dept, year, snapshot)
    if chosen is not None and (rubric or dept_rubric):
        raise Refusal("--rubric", f"快照 {chosen.event.snapshot} 已按出具时的评分规则计算；按其他规则预览请加 --live")
    if chosen is None:
        body = live_body(bpt, dept, year, rubric, dept_rubric)
        return {**body, "snapshot": None, "version": None, "hash": content_hash(body), "issued": False,
                "status": LIVE, "issued_at": None, "issued_by": None, "late_events": []}
    e = chosen.event
    return {**e.figures, "snapshot": e.snapshot, "version": e.version, "hash": e.content_hash, "issued": True,
            "status": ISSUED, "issued_at": e.timestamp.isoformat(), "issued_by": e.operator,
            "issued_position": chosen.position, "late_events": late_events(bpt, dept, year, e.position)}
