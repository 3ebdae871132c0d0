"""The bpt application: commands that load aggregates, check, record, and retry on conflict."""

from __future__ import annotations

import getpass
import os
import random
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (IntegrityError, JSONTranscoder, OperationalError, ProgrammingError,
                                      Transcoding)
from eventsourcing.utils import get_topic, register_topic

from bpt.domain.calendar import clamp_to_year
from bpt.domain.classification import Classification
from bpt.domain.department import DepartmentYear, FiscalYear
from bpt.domain.ledger import department_id, fiscal_year_id, project_id
from bpt.domain.project import NO_CLASSIFICATION, ProjectYear
from bpt.domain.refusal import Refusal, Unavailable
from bpt.domain.rubric import Rubric
from bpt.domain.text import normal
from bpt.domain.years import YearPlan
from bpt.domain.values import CURRENT, FUNDING_SOURCES, PROJECT_KINDS, PROJECT_SPENDING, Target, check_choice

def _register_wave1_topics() -> None:
    """Events stored before bpt became one package have topics without the ``bpt.`` prefix
    (``bpt.domain.project:ProjectYear.Paid``); they decode to the same classes."""
    for aggregate in (FiscalYear, DepartmentYear, ProjectYear):
        for cls in (aggregate, *(v for v in vars(aggregate).values() if isinstance(v, type))):
            register_topic(get_topic(cls).removeprefix("bpt."), cls)


_register_wave1_topics()

# Optimistic concurrency: a conflicting write reloads and retries, with jittered backoff.
RETRIES = 40
# How long a command waits for an unavailable database before it is refused.
UNAVAILABLE_S = 15
# SQLSTATE of a write by a read-only role (e.g. bpt_reviewer): a clean refusal, not a crash.
INSUFFICIENT_PRIVILEGE = "42501"


def one_line(error: Exception) -> str:
    """An error's message on one line, cut short: for refusals."""
    return " ".join(str(error).split())[:200]


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its assertion that each event matches a
    runtime-checkable Protocol: that ``isinstance`` costs more than applying the event."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def default_operator() -> str:
    return os.environ.get("BPT_OPERATOR") or getpass.getuser()


class BudgetApp(Application[UUID]):
    """Every budget fact of every department, as events.

    ``write_lock`` (a context-manager factory) serialises load-check-save where the store
    has a single writer anyway (SQLite): there, optimistic retries only thrash.
    """

    name = "bpt"
    snapshotting_intervals = {ProjectYear: 200}

    def __init__(self, env: dict | None = None, write_lock: Callable[[], AbstractContextManager] = nullcontext):
        super().__init__(env)
        self.write_lock = write_lock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- loading ----------------------------------------------------------------------

    def load(self, aggregate_id: UUID) -> Any:
        """The aggregate as recorded so far (AggregateNotFoundError when there is none)."""
        return self.repository.get(aggregate_id, projector_func=_replay)

    def department(self, year: int, code: str) -> DepartmentYear:
        try:
            return self.load(department_id(year, code))
        except AggregateNotFoundError:
            raise Refusal("部门", f"未找到部门 {code}（{year} 年度）") from None

    def project(self, year: int, code: str) -> ProjectYear:
        try:
            return self.load(project_id(year, code))
        except AggregateNotFoundError:
            raise Refusal("项目", f"未找到项目 {code}（{year} 年度）") from None

    def departments(self, year: int) -> list[str]:
        try:
            return list(self.load(fiscal_year_id(year)).departments)
        except AggregateNotFoundError:
            return []

    def retry(self, attempt: Callable[[], Any]) -> Any:
        """Run load-check-save until it saves without a conflicting concurrent write.

        Conflicts are retried up to RETRIES times. An unavailable database (server gone,
        SQLite locked) is retried, the library retrying each call too, until UNAVAILABLE_S
        have passed since the command began; then the command is refused in one line.
        """
        began, conflicts = time.monotonic(), 0
        while True:
            try:
                with self.write_lock():
                    return attempt()
            except ProgrammingError as e:
                if getattr(e.__cause__, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                    raise
                raise Unavailable("权限", f"当前数据库用户无权写入（{e}）；未记录任何内容") from None
            except IntegrityError:
                conflicts += 1
                if conflicts == RETRIES:
                    raise Refusal("并发", f"与其他操作冲突，重试 {RETRIES} 次后仍未保存，请稍后再试；未记录任何内容") from None
                time.sleep(random.uniform(0, min(0.002 * 2 ** conflicts, 0.2)))
            except OperationalError as e:
                if time.monotonic() - began > UNAVAILABLE_S:
                    # The connection may have dropped during the commit: say so, not "nothing recorded".
                    raise Unavailable("数据库", f"数据库暂时不可用（{one_line(e)}）；本次操作可能未记录，"
                                          "请稍后用 bpt history 核对后再提交（重复的凭证号/文号会被拒绝）") from None
                time.sleep(random.uniform(0.1, 0.5))

    def _change_project(self, year: int, code: str, change: Callable[[ProjectYear], Any]) -> ProjectYear:
        """Load, apply one command, save; returns the project as saved."""
        def attempt() -> ProjectYear:
            project = self.project(year, code)
            change(project)
            self.save(project)
            return project

        return self.retry(attempt)

    # -- registration -----------------------------------------------------------------

    def add_department(self, year: int, code: str, name: str, *, staff_quota: int | None = None,
                       staff_actual: int | None = None, operator: str, on: date | None = None) -> None:
        on = on or date.today()

        def attempt() -> None:
            try:
                fy = self.load(fiscal_year_id(year))
            except AggregateNotFoundError:
                fy = FiscalYear.open(fiscal_year_id(year), year, operator, on)
            fy.register(code, operator, on)
            dept = DepartmentYear.register(department_id(year, code), year=year, code=code, name=name,
                                           staff_quota=staff_quota, staff_actual=staff_actual,
                                           operator=operator, effective_date=on)
            self.save(fy, dept)

        self.retry(attempt)

    def add_project(self, dept: str, year: int, code: str, name: str, *, kind: str = PROJECT_SPENDING,
                    operator: str, on: date | None = None) -> None:
        check_choice(kind, PROJECT_KINDS, "类别")
        on = on or date.today()

        def attempt() -> None:
            department = self.department(year, dept)
            if project_id(year, code) in self.repository:
                raise Refusal("项目编号", f"{code} 在 {year} 年度已存在（项目编号在同一年度内唯一）")
            department.add_project(code, kind, operator, on)
            project = ProjectYear.register(project_id(year, code), year=year, dept=dept, code=code, name=name,
                                           kind=kind, operator=operator, effective_date=on)
            self.save(department, project)

        self.retry(attempt)

    def record_staff(self, dept: str, year: int, *, staff_quota: int | None, staff_actual: int | None,
                     operator: str, on: date | None = None) -> None:
        def attempt() -> None:
            d = self.department(year, dept)
            d.record_staff(staff_quota, staff_actual, operator, on or date.today())
            self.save(d)

        self.retry(attempt)

    def record_basic_data(self, dept: str, year: int, key: str, value: Decimal, *, source: str, operator: str,
                          on: date) -> None:
        def attempt() -> None:
            d = self.department(year, dept)
            d.record_basic_data(key, value, source, operator, on)
            self.save(d)

        self.retry(attempt)

    def open_year(self, plan: YearPlan, *, on: date, operator: str, update: bool = False) -> dict[str, Decimal]:
        """``bpt year open``: register the plan's departments and projects in ``plan.year`` (those
        not there yet) and carry each balance forward, all in one transaction. A carry already
        recorded is changed only with ``update`` (by a difference event). Returns {project: amount
        recorded}; an empty dict when everything was already there."""
        def attempt() -> dict[str, Decimal]:
            changed: list[Any] = []
            recorded: dict[str, Decimal] = {}
            try:
                fy = self.load(fiscal_year_id(plan.year))
            except AggregateNotFoundError:
                fy = FiscalYear.open(fiscal_year_id(plan.year), plan.year, operator, on)
            for d in plan.departments:
                if d.code in fy.departments:
                    dept = self.department(plan.year, d.code)
                else:
                    fy.register(d.code, operator, on)
                    dept = DepartmentYear.register(department_id(plan.year, d.code), year=plan.year, code=d.code,
                                                   name=d.name, staff_quota=d.staff_quota, staff_actual=d.staff_actual,
                                                   operator=operator, effective_date=on)
                for c in d.projects:
                    if c.code in dept.projects:
                        project = self.project(plan.year, c.code)
                    else:
                        if project_id(plan.year, c.code) in self.repository:
                            raise Refusal("项目编号", f"{c.code} 在 {plan.year} 年度已存在于其他部门")
                        dept.add_project(c.code, c.kind, operator, on)
                        project = ProjectYear.register(project_id(plan.year, c.code), year=plan.year, dept=d.code,
                                                       code=c.code, name=c.name, kind=c.kind, operator=operator,
                                                       effective_date=on)
                    if c.carries:
                        entry = project.carried(plan.from_year)
                        if entry and not update and entry["doc"] != plan.doc:
                            raise Refusal("文号", f"{plan.year} 年度的上年结转已以 {entry['doc']} 记录（项目 {c.code}），"
                                                  f"不能再以 {plan.doc} 开启；更正余额请加 --update")
                        if entry is None or update:
                            amount = project.carry_forward(plan.from_year, c.balances, doc=plan.doc,
                                                           effective_date=on, snapshot=d.snapshot, position=d.position,
                                                           from_live=d.from_live, rule=d.rule, operator=operator)
                            if amount:
                                recorded[c.code] = amount
                    if project.pending_events:
                        changed.append(project)
                if dept.pending_events:
                    changed.append(dept)
            if fy.pending_events:
                changed.append(fy)
            if changed:
                self.save(*changed)
            return recorded

        return self.retry(attempt)

    # -- budget -----------------------------------------------------------------------

    def approve(self, project: str, year: int, amount: Decimal, *, doc: str, on: date, source: str = CURRENT,
                operator: str, confirm_duplicate: bool = False,
                classification: Classification = NO_CLASSIFICATION) -> ProjectYear:
        check_choice(source, FUNDING_SOURCES, "资金来源")
        return self._change_project(year, project, lambda p: p.approve(amount, source, doc, on, operator,
                                                                       confirm_duplicate, classification))

    def carry_over(self, project: str, year: int, amount: Decimal, *, doc: str, on: date, operator: str,
                   confirm_duplicate: bool = False, classification: Classification = NO_CLASSIFICATION) -> ProjectYear:
        return self._change_project(year, project, lambda p: p.carry_over(amount, doc, on, operator, confirm_duplicate,
                                                                          classification))

    def adjust(self, project: str, year: int, amount: Decimal, *, doc: str, on: date, reason: str,
               source: str = CURRENT, operator: str, confirm_duplicate: bool = False,
               classification: Classification = NO_CLASSIFICATION) -> ProjectYear:
        check_choice(source, FUNDING_SOURCES, "资金来源")
        return self._change_project(year, project,
                             lambda p: p.adjust(amount, source, doc, on, reason, operator, confirm_duplicate,
                                                classification))

    def transfer(self, source_project: str, target_project: str, year: int, amount: Decimal, *, doc: str,
                 on: date, reason: str, source: str = CURRENT, operator: str,
                 confirm_duplicate: bool = False) -> None:
        """调剂: both halves are saved in one transaction, or neither is."""
        check_choice(source, FUNDING_SOURCES, "资金来源")
        if normal("project", source_project) == normal("project", target_project):
            raise Refusal("调入项目", "调出与调入不能是同一项目")

        def attempt() -> None:
            out_of, into = self.project(year, source_project), self.project(year, target_project)
            out_of.transfer_out(amount, source, doc, on, reason, target_project, operator, confirm_duplicate)
            into.transfer_in(amount, source, doc, on, reason, source_project, operator, confirm_duplicate)
            self.save(out_of, into)

        self.retry(attempt)

    def pay(self, project: str, year: int, amount: Decimal, *, voucher: str, on: date, source: str = CURRENT,
            operator: str, note: str = "", classification: Classification = NO_CLASSIFICATION) -> ProjectYear:
        check_choice(source, FUNDING_SOURCES, "资金来源")
        return self._change_project(year, project, lambda p: p.pay(amount, source, voucher, on, operator, note,
                                                                   classification))

    def reverse(self, project: str, year: int, *, voucher: str, reason: str, operator: str,
                on: date | None = None) -> ProjectYear:
        def change(p: ProjectYear) -> None:
            # A reversal takes effect on the day it is made, clamped into the fiscal year.
            when = on or clamp_to_year(date.today(), year)
            p.reverse(voucher, when, reason, operator)

        return self._change_project(year, project, change)

    # -- indicators -------------------------------------------------------------------

    def add_indicator(self, project: str, year: int, *, level1: str, level2: str, name: str, target: Target,
                      unit: str, weight: Decimal, operator: str, on: date | None = None) -> str:
        when = on or clamp_to_year(date.today(), year)
        codes: list[str] = []
        self._change_project(year, project, lambda p: codes.append(
            p.declare_indicator(level1, level2, name, target, unit, weight, when, operator)))
        return codes[-1]

    def revise_target(self, project: str, year: int, indicator: str, target: Target, *, doc: str, reason: str,
                      on: date, operator: str) -> ProjectYear:
        return self._change_project(year, project, lambda p: p.revise_target(indicator, target, doc, reason, on, operator))

    def record_actual(self, project: str, year: int, indicator: str, *, value: Decimal | None, text: str,
                      on: date, operator: str) -> ProjectYear:
        return self._change_project(year, project, lambda p: p.record_actual(indicator, value, text, on, operator))

    def assess(self, project: str, year: int, indicator: str, *, grade: str, score: Decimal, reason: str,
               on: date, operator: str) -> ProjectYear:
        rubric = self.department(year, self.project(year, project).dept).rubric("project")
        return self._change_project(year, project,
                                    lambda p: p.assess(indicator, grade, score, reason, on, operator, rubric))

    def explain_deviation(self, project: str, year: int, indicator: str, *, text: str, on: date,
                          operator: str) -> ProjectYear:
        return self._change_project(year, project, lambda p: p.explain_deviation(indicator, text, on, operator))

    def copy_indicators(self, from_year: int, year: int, codes: list[str], *, on: date, operator: str) -> dict[str, list[str]]:
        """``bpt indicator copy``: declare in ``year`` each indicator of ``from_year`` (its target as
        last revised) that the project does not have yet (same 二级指标 and name), in one
        transaction; returns {project: new codes}."""
        def attempt() -> dict[str, list[str]]:
            copied: dict[str, list[str]] = {}
            changed = []
            for code in codes:
                source, target = self.project(from_year, code), self.project(year, code)
                for i in source.indicators.values():
                    if any(t["name"] == i["name"] and t["level2"] == i["level2"] for t in target.indicators.values()):
                        continue
                    copied.setdefault(code, []).append(target.declare_indicator(
                        i["level1"], i["level2"], i["name"], Target.from_dict(i["target"]), i["unit"], i["weight"],
                        on, operator))
                if target.pending_events:
                    changed.append(target)
            if changed:
                self.save(*changed)
            return copied

        return self.retry(attempt)

    def forecast_execution(self, project: str, year: int, *, as_of: date, executed: Decimal, reason: str,
                           operator: str) -> ProjectYear:
        return self._change_project(year, project, lambda p: p.forecast_execution(as_of, executed, reason, operator))

    def forecast_indicator(self, project: str, year: int, indicator: str, *, as_of: date, value: Decimal | None,
                           likelihood: str, cause: str, action: str, operator: str) -> ProjectYear:
        return self._change_project(year, project, lambda p: p.forecast_indicator(
            indicator, as_of, value, likelihood, cause, action, operator))

    # -- rubric, year-end, monitoring -------------------------------------------------

    def adopt_rubric(self, dept: str, year: int, rubric: Rubric, *, operator: str, on: date | None = None) -> bool:
        """Record which rubric scores this department-year (its full text is kept in the event)."""
        def attempt() -> bool:
            d = self.department(year, dept)
            changed = d.adopt_rubric(rubric, operator, on or clamp_to_year(date.today(), year))
            self.save(d)
            return changed

        return self.retry(attempt)

    def issue_self_assessment(self, dept: str, year: int, *, snapshot: str, position: int, rubric: str,
                              rubric_hash: str, content_hash: str, figures: dict, operator: str) -> int:
        def attempt() -> int:
            d = self.department(year, dept)
            version = d.issue_self_assessment(snapshot, position, rubric, rubric_hash, content_hash, figures,
                                              operator, clamp_to_year(date.today(), year))
            self.save(d)
            return version

        return self.retry(attempt)

    def raise_warning(self, project: str, year: int, *, as_of: date, level: str, rate: Decimal | None,
                      progress: Decimal, operator: str) -> bool:
        """双监控 warning, at most once per project and as-of date (retries and duplicates are no-ops)."""
        def attempt() -> bool:
            p = self.project(year, project)
            raised = p.raise_warning(as_of, level, rate, progress, operator)
            if raised:
                self.save(p)
            return raised

        return self.retry(attempt)
