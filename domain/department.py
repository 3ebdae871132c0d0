"""The department-year aggregate (部门, per fiscal year) and the fiscal-year index."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from bpt.domain.calendar import check_year
from bpt.domain.ledger import Ledger
from bpt.domain.money import check_number
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, Rubric, builtin_rubric, load_rubric_text
from bpt.domain.text import normal

# 部门整体支出绩效评价基础数据: the named figures a department-level rubric may use,
# recorded by `bpt dept data`. Keys are stable identifiers; labels are the forms' words.
BASIC_DATA = {
    "sangong_budget": "“三公经费”预算数",
    "sangong_actual": "“三公经费”实际支出数",
    "sangong_last_year": "上年“三公经费”实际支出数",
    "sangong_budget_last_year": "上年“三公经费”预算数",
    "public_budget": "公用经费预算数",
    "public_actual": "公用经费实际支出数",
    "procurement_budget": "政府采购预算数",
    "procurement_actual": "政府采购实际支出数",
    "fixed_assets_total": "固定资产总额",
    "fixed_assets_in_use": "在用固定资产总额",
    "year_end_balance": "年末结余",
    "carried_over_total": "上年结转",
    "building_area_actual": "楼堂馆所实际建筑面积",
    "building_area_approved": "楼堂馆所批复建筑面积",
    "building_investment_actual": "楼堂馆所实际投资额",
    "building_investment_approved": "楼堂馆所批复投资额",
    "management_failures": "管理制度不健全情形数",
    "compliance_failures": "资金使用不合规情形数",
    "disclosure_failures": "信息公开不到位情形数",
    "target_assessment_score": "绩效目标考核得分",
    "target_assessment_total": "绩效目标考核总分",
    "satisfaction_rate": "满意度",
}

# More staff than this is a typo, not a department (and would not fit the views' integers).
MAX_STAFF = 10_000_000


class FiscalYear(Ledger):
    """The index of the departments registered for one fiscal year."""

    class Created(Aggregate.Created):
        year: int
        operator: str
        effective_date: date
        chain: str

        def apply(self, fy: FiscalYear) -> None:
            fy.year = self.year
            fy.chain = self.chain
            fy.departments = []

    class DepartmentRegistered(Ledger.Event):
        dept: str

        def apply(self, fy: FiscalYear) -> None:
            fy.departments.append(self.dept)

    @classmethod
    def open(cls, id: Any, year: int, operator: str, effective_date: date) -> FiscalYear:  # noqa: A002
        return cls._new(cls.Created, id, year=year, operator=operator, effective_date=effective_date)

    def register(self, dept: str, operator: str, effective_date: date) -> None:
        dept = normal("dept", dept)
        if dept in self.departments:
            raise Refusal("部门编号", f"{dept} 已在 {self.year} 年度登记")
        self.trigger_event(self.DepartmentRegistered, dept=dept, operator=operator, effective_date=effective_date)


class DepartmentYear(Ledger):
    """One department (预算单位) in one fiscal year: headcount, basic data, its projects."""

    class Created(Aggregate.Created):
        year: int
        code: str
        name: str
        staff_quota: int | None
        staff_actual: int | None
        operator: str
        effective_date: date
        chain: str

        def apply(self, d: DepartmentYear) -> None:
            d.year, d.code, d.name = self.year, self.code, self.name
            d.staff_quota, d.staff_actual = self.staff_quota, self.staff_actual
            d.chain = self.chain
            d.projects = []
            d.basic_data = {}  # key -> {"value", "source", "date"}
            d.rubrics = {}  # kind -> {"name", "hash"}
            d.snapshots = []  # issued self-assessments, oldest first

    class ProjectRegistered(Ledger.Event):
        project: str
        kind: str

        def apply(self, d: DepartmentYear) -> None:
            d.projects.append(self.project)

    class StaffRecorded(Ledger.Event):
        staff_quota: int | None
        staff_actual: int | None

        def apply(self, d: DepartmentYear) -> None:
            d.staff_quota, d.staff_actual = self.staff_quota, self.staff_actual

    class BasicDataRecorded(Ledger.Event):
        key: str
        value: Decimal
        source: str

        def apply(self, d: DepartmentYear) -> None:
            d.basic_data[self.key] = {"value": self.value, "source": self.source, "date": self.effective_date}

    class RubricAdopted(Ledger.Event):
        """Which rubric scores this department-year: its name and the hash of its content."""

        rubric: str
        content_hash: str
        kind: str  # "project" or "department"
        text: str  # the rubric file itself, so the rule in force can always be re-read from the events
        verbatim = ("text",)  # kept byte for byte (its hash is content_hash), not normalised as prose

        def apply(self, d: DepartmentYear) -> None:
            d.rubrics = {**d.rubrics, self.kind: {"name": self.rubric, "hash": self.content_hash, "text": self.text}}

    class SelfAssessmentIssued(Ledger.Event):
        """The year-end 绩效自评, issued as an immutable snapshot of computed figures.

        ``figures`` is the full JSON report; ``position`` the event-store position it was
        computed at; ``content_hash`` the sha256 of its canonical JSON.
        """

        snapshot: str
        version: int
        position: int
        rubric: str
        rubric_hash: str
        content_hash: str
        figures: dict

        def apply(self, d: DepartmentYear) -> None:
            d.snapshots = [*d.snapshots, {"snapshot": self.snapshot, "version": self.version,
                                          "position": self.position, "content_hash": self.content_hash}]

    @classmethod
    def register(cls, id: Any, *, year: int, code: str, name: str, staff_quota: int | None,  # noqa: A002
                 staff_actual: int | None, operator: str, effective_date: date) -> DepartmentYear:
        if not normal("dept", code):
            raise Refusal("部门编号", "不能为空")
        if not name.strip():
            raise Refusal("部门名称", "不能为空")
        check_year(year)
        _check_staff(staff_quota, staff_actual)
        return cls._new(cls.Created, id, year=year, code=code, name=name, staff_quota=staff_quota,
                        staff_actual=staff_actual, operator=operator, effective_date=effective_date)

    def add_project(self, project: str, kind: str, operator: str, effective_date: date) -> None:
        project = normal("project", project)
        if project in self.projects:
            raise Refusal("项目编号", f"{project} 已在部门 {self.code} 登记")
        self.trigger_event(self.ProjectRegistered, project=project, kind=kind, operator=operator,
                           effective_date=effective_date)

    def record_staff(self, staff_quota: int | None, staff_actual: int | None, operator: str, effective_date: date) -> None:
        _check_staff(staff_quota, staff_actual)
        self.trigger_event(self.StaffRecorded, staff_quota=staff_quota, staff_actual=staff_actual,
                           operator=operator, effective_date=effective_date)

    def record_basic_data(self, key: str, value: Decimal, source: str, operator: str, effective_date: date) -> None:
        if key not in BASIC_DATA:
            raise Refusal("基础数据项", f"未知的数据项“{key}”（可选：{'、'.join(BASIC_DATA)}）")
        check_number(value, BASIC_DATA[key])
        if value < 0:
            raise Refusal(BASIC_DATA[key], "不能为负数")
        self.trigger_event(self.BasicDataRecorded, key=key, value=value, source=source, operator=operator,
                           effective_date=effective_date)

    def adopt_rubric(self, rubric: Rubric, operator: str, effective_date: date) -> bool:
        """Record the rubric in force for its kind; False (nothing recorded) when it already is."""
        current = self.rubrics.get(rubric.kind)
        if current and current["hash"] == rubric.content_hash:
            return False
        self.trigger_event(self.RubricAdopted, rubric=rubric.name, content_hash=rubric.content_hash, kind=rubric.kind,
                           text=rubric.text, operator=operator, effective_date=effective_date)
        return True

    def rubric(self, kind: str) -> Rubric:
        """The rubric in force: the adopted one, else the shipped default for projects."""
        adopted = self.rubrics.get(kind)
        if adopted:
            return load_rubric_text(adopted["text"], source=adopted["name"])
        if kind != "project":
            raise Refusal("评分规则", f"部门 {self.code} {self.year} 年度尚未指定部门整体评分规则（bpt rubric adopt）")
        return builtin_rubric(DEFAULT_PROJECT_RUBRIC)

    def issue_self_assessment(self, snapshot: str, position: int, rubric: str, rubric_hash: str, content_hash: str,
                              figures: dict, operator: str, effective_date: date) -> int:
        """Issue the next version of the year's self-assessment; returns its version number."""
        version = len(self.snapshots) + 1
        self.trigger_event(self.SelfAssessmentIssued, snapshot=snapshot, version=version, position=position,
                           rubric=rubric, rubric_hash=rubric_hash, content_hash=content_hash, figures=figures,
                           operator=operator, effective_date=effective_date)
        return version


def _check_staff(quota: int | None, actual: int | None) -> None:
    for field, value in (("编制数", quota), ("实际在职人数", actual)):
        if value is not None and value < 0:
            raise Refusal(field, "不能为负数")
        if value is not None and value > MAX_STAFF:
            raise Refusal(field, f"{value} 超出上限 {MAX_STAFF}")
