"""The project-year aggregate (项目, per fiscal year): its budget, payments and indicators."""

from __future__ import annotations

from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from bpt.domain.calendar import check_in_year
from bpt.domain.classification import DEFAULT_FUND_TYPE, Classification
from bpt.domain.ledger import Ledger
from bpt.domain.money import ZERO, check_amount, check_number, fmt_yuan
from bpt.domain.refusal import Refusal
from bpt.domain.text import normal
from bpt.domain.rubric import Rubric, check_assessment
from bpt.domain.values import CARRIED, CAUSES, CERTAIN, LIKELIHOODS, QUALITATIVE, Target, check_choice

# The budget lines of a project, each kept per funding source.
INITIAL = "initial_budget"
CARRIED_OVER = "carried_over"
INCREASES = "increases"
DECREASES = "decreases"
TRANSFERS_IN = "transfers_in"
TRANSFERS_OUT = "transfers_out"
EXECUTED = "executed"
LINES = (INITIAL, CARRIED_OVER, INCREASES, DECREASES, TRANSFERS_IN, TRANSFERS_OUT, EXECUTED)
# Sign of each line in 全年预算数 (executed is not part of it).
BUDGET_SIGNS = {INITIAL: 1, CARRIED_OVER: 1, INCREASES: 1, DECREASES: -1, TRANSFERS_IN: 1, TRANSFERS_OUT: -1}
NO_CLASSIFICATION = Classification()  # no 经济分类 / 功能分类, 一般公共预算, not 政府采购
ADDING_LINES = tuple(line for line, sign in BUDGET_SIGNS.items() if sign > 0)
TAKING_LINES = tuple(line for line, sign in BUDGET_SIGNS.items() if sign < 0)



class _Classified(Ledger.Event):
    """An event about money with its classification (keyword-only, defaulted: events stored
    before classification existed decode with 未分类, 一般公共预算, not 政府采购)."""

    econ: str = field(default="", kw_only=True)  # 经济分类 类 or 款 code
    func: str = field(default="", kw_only=True)  # 功能分类 code
    fund_type: str = field(default=DEFAULT_FUND_TYPE, kw_only=True)  # 预算类型 (资金性质)
    procurement: bool = field(default=False, kw_only=True)  # 政府采购


class ProjectYear(Ledger):
    """One project (or 基本支出 line) of one department in one fiscal year."""

    class Created(Aggregate.Created):
        year: int
        dept: str
        code: str
        name: str
        kind: str
        operator: str
        effective_date: date
        chain: str

        def apply(self, p: ProjectYear) -> None:
            p.year, p.dept, p.code, p.name, p.kind = self.year, self.dept, self.code, self.name, self.kind
            p.chain = self.chain
            p.amounts = {line: {} for line in LINES}
            p.docs = {}  # "文号|amount" -> event name: duplicate-submission guard
            p.payments = {}  # voucher -> {"amount", "source", "date", "reversed"}
            p.indicators = {}  # code -> indicator state (see IndicatorDeclared)
            p.execution_deviation = ""  # 偏差说明 of budget execution
            p.warnings = {}  # as-of date (ISO) -> warning level raised

    # -- budget events ----------------------------------------------------------------

    class _Movement(_Classified):
        """A change of one budget line of one funding source."""

        amount: Decimal
        source: str
        doc: str

        line = ""

        def apply(self, p: ProjectYear) -> None:
            p._add(self.line, self.source, self.amount)
            p.docs[p._doc_key(self.doc, self.amount, self.econ)] = type(self).__name__

    class Approved(_Movement):
        """年初预算批复."""

        line = INITIAL

    class CarriedOver(_Movement):
        """上年结转."""

        line = CARRIED_OVER

    class CarriedForward(_Movement):
        """上年结转 read from the previous year's unspent balance (``bpt year open``).

        ``balances`` is that balance by the previous year's funding source, ``snapshot`` the
        closing snapshot it was read from ("" with ``from_live``: read from the live events),
        ``position`` the event-store position read at. ``amount`` is what this event adds: the
        whole balance the first time, afterwards (``--update``) only the signed difference.
        """

        from_year: int
        balances: dict
        snapshot: str
        position: int
        from_live: bool
        rule: str
        line = CARRIED_OVER

        def apply(self, p: ProjectYear) -> None:
            super().apply(p)
            carried = dict(getattr(p, "carried_from", {}))
            was = p.carried(self.from_year) or {"total": ZERO}
            carried[str(self.from_year)] = {"total": was["total"] + self.amount, "doc": was.get("doc", self.doc),
                                       "balances": dict(self.balances)}
            p.carried_from = carried

    class Increased(_Movement):
        """追加."""

        reason: str
        line = INCREASES

    class Decreased(_Movement):
        """调减."""

        reason: str
        line = DECREASES

    class TransferredIn(_Movement):
        """调剂转入 (the other half is TransferredOut on ``counterpart``)."""

        reason: str
        counterpart: str
        line = TRANSFERS_IN

    class TransferredOut(_Movement):
        """调剂转出."""

        reason: str
        counterpart: str
        line = TRANSFERS_OUT

    class Paid(_Classified):
        """支出/拨付."""

        amount: Decimal
        source: str
        voucher: str
        note: str

        def apply(self, p: ProjectYear) -> None:
            p._add(EXECUTED, self.source, self.amount)
            p.payments[self.voucher] = {"amount": self.amount, "source": self.source, "date": self.effective_date,
                                        "reversed": False, **Classification.of(self).fields()}

    class PaymentReversed(_Classified):
        """冲销 of a payment: a new event, the original stays; it carries the payment's classification."""

        amount: Decimal
        source: str
        voucher: str
        reason: str

        def apply(self, p: ProjectYear) -> None:
            p._add(EXECUTED, self.source, -self.amount)
            p.payments[self.voucher]["reversed"] = True

    # -- indicator events -------------------------------------------------------------

    class IndicatorDeclared(Ledger.Event):
        indicator: str
        level1: str
        level2: str
        name: str
        target: dict
        unit: str
        weight: Decimal

        def apply(self, p: ProjectYear) -> None:
            p.indicators[self.indicator] = {
                "code": self.indicator, "level1": self.level1, "level2": self.level2, "name": self.name,
                "target": dict(self.target), "unit": self.unit, "weight": self.weight,
                "actuals": [], "assessment": None, "deviation": "",
            }

    class TargetRevised(Ledger.Event):
        indicator: str
        target: dict
        doc: str
        reason: str

        def apply(self, p: ProjectYear) -> None:
            p.indicators[self.indicator]["target"] = dict(self.target)

    class ActualRecorded(Ledger.Event):
        """An 实际完成值: a number for a quantitative indicator, text for a qualitative one."""

        indicator: str
        value: Decimal | None
        text: str

        def apply(self, p: ProjectYear) -> None:
            p.indicators[self.indicator]["actuals"].append({"date": self.effective_date, "value": self.value, "text": self.text})

    class QualitativeAssessed(Ledger.Event):
        indicator: str
        grade: str
        score: Decimal
        reason: str

        def apply(self, p: ProjectYear) -> None:
            p.indicators[self.indicator]["assessment"] = {"grade": self.grade, "score": self.score, "reason": self.reason}

    class DeviationExplained(Ledger.Event):
        """偏差原因分析及改进措施, of one indicator or (indicator "") of budget execution."""

        indicator: str
        text: str

        def apply(self, p: ProjectYear) -> None:
            if self.indicator:
                p.indicators[self.indicator]["deviation"] = self.text
            else:
                p.execution_deviation = self.text

    class WarningRaised(Ledger.Event):
        """双监控: execution lagged 序时进度 at ``as_of``; raised once per project and as-of date."""

        as_of: date
        level: str
        execution_rate: Decimal | None
        time_progress: Decimal

        def apply(self, p: ProjectYear) -> None:
            p.warnings = {**p.warnings, self.as_of.isoformat(): self.level}

    class IndicatorForecast(Ledger.Event):
        """绩效运行监控: the department's judgement of an indicator at ``as_of`` (全年预计完成值,
        完成目标可能性, 偏差原因 and 纠偏措施); the latest judgement at or before a date is in force."""

        indicator: str
        as_of: date
        value: Decimal | None
        likelihood: str
        cause: str
        action: str

    class ExecutionForecast(Ledger.Event):
        """绩效运行监控: the department's 全年预计执行数 at ``as_of``."""

        as_of: date
        executed: Decimal
        reason: str

    # -- creation ---------------------------------------------------------------------

    @classmethod
    def register(cls, id: Any, *, year: int, dept: str, code: str, name: str, kind: str,  # noqa: A002
                 operator: str, effective_date: date) -> ProjectYear:
        if not normal("project", code):
            raise Refusal("项目编号", "不能为空")
        if not name.strip():
            raise Refusal("项目名称", "不能为空")
        return cls._new(cls.Created, id, year=year, dept=dept, code=code, name=name, kind=kind,
                        operator=operator, effective_date=effective_date)

    # -- figures ----------------------------------------------------------------------

    def _add(self, line: str, source: str, amount: Decimal) -> None:
        by_source = self.amounts[line]
        by_source[source] = by_source.get(source, ZERO) + amount

    @staticmethod
    def _doc_key(doc: str, amount: Decimal, econ: str = "") -> str:
        """The duplicate-submission key: one document may budget equal amounts on different 经济分类."""
        return f"{doc}|{fmt_yuan(amount)}" + (f"|{econ}" if econ else "")

    def total(self, line: str) -> Decimal:
        return sum(self.amounts[line].values(), ZERO)

    def budget(self, source: str | None = None) -> Decimal:
        """全年预算数 (of one funding source, or in total)."""
        if not source:
            return sum((sign * self.total(line) for line, sign in BUDGET_SIGNS.items()), ZERO)
        # Checked before every payment: only the lines this source has are added up.
        total = ZERO
        for line in ADDING_LINES:
            if source in self.amounts[line]:
                total += self.amounts[line][source]
        for line in TAKING_LINES:
            if source in self.amounts[line]:
                total -= self.amounts[line][source]
        return total

    def available(self, source: str) -> Decimal:
        """What can still be paid or taken away from one funding source."""
        return self.budget(source) - self.amounts[EXECUTED].get(source, ZERO)

    def figures(self) -> dict[str, Decimal]:
        """Every budget line in total, plus 全年预算数: what replaying the events gives."""
        out = {line: self.total(line) for line in LINES}
        out["adjusted_budget"] = self.budget()
        return out

    # -- commands: each checks its invariants, then triggers exactly one event ----------

    def _check_date(self, effective_date: date) -> None:
        check_in_year(effective_date, self.year, "日期")

    def _check_positive(self, amount: Decimal, field: str = "金额") -> None:
        check_amount(amount, field)
        if amount <= 0:
            raise Refusal(field, "金额必须大于零")

    def _check_doc(self, doc: str, amount: Decimal, confirm_duplicate: bool, econ: str = "") -> None:
        doc = normal("doc", doc)
        if not doc:
            raise Refusal("文号", "不能为空")
        if not confirm_duplicate and self._doc_key(doc, amount, econ) in self.docs:
            raise Refusal("文号", f"{doc} 已以相同金额 {fmt_yuan(amount)} 元记录在项目 {self.code}，"
                                  "疑似重复提交（确需重复请加 --confirm-duplicate）")

    def _check_can_take(self, amount: Decimal, source: str, what: str) -> None:
        available = self.available(source)
        if amount > available:
            raise Refusal("金额", f"{what} {fmt_yuan(amount)} 元超过项目 {self.code} {source}可用额度 "
                                  f"{fmt_yuan(available)} 元（全年预算 {fmt_yuan(self.budget(source))}，"
                                  f"已支出 {fmt_yuan(self.amounts[EXECUTED].get(source, ZERO))}）")

    def approve(self, amount: Decimal, source: str, doc: str, effective_date: date, operator: str,
                confirm_duplicate: bool = False, classification: Classification = NO_CLASSIFICATION) -> None:
        self._check_positive(amount)
        self._check_date(effective_date)
        self._check_doc(doc, amount, confirm_duplicate, classification.econ)
        event = self.CarriedOver if source == CARRIED else self.Approved
        self.trigger_event(event, amount=amount, source=source, doc=doc, effective_date=effective_date, operator=operator,
                           **classification.fields())

    def carry_over(self, amount: Decimal, doc: str, effective_date: date, operator: str,
                   confirm_duplicate: bool = False, classification: Classification = NO_CLASSIFICATION) -> None:
        self.approve(amount, CARRIED, doc, effective_date, operator, confirm_duplicate, classification)

    def carried(self, from_year: int) -> dict | None:
        """What ``bpt year open`` has carried forward from ``from_year``: {"total", "doc" (the first
        carry's 文号), "balances" (as last read)}; None when nothing was."""
        return getattr(self, "carried_from", {}).get(str(from_year))  # absent in states saved before it existed

    def carry_forward(self, from_year: int, balances: dict[str, Decimal], *, doc: str, effective_date: date,
                      snapshot: str, position: int, from_live: bool, rule: str, operator: str) -> Decimal:
        """Record the previous year's balance as 上年结转资金, or only its change since the last
        carry; returns the amount recorded (0: nothing was)."""
        if from_year != self.year - 1:
            raise Refusal("--from", f"上年结转只能来自 {self.year - 1} 年度，收到 {from_year}")
        if not doc.strip():
            raise Refusal("文号", "不能为空")
        self._check_date(effective_date)
        carried = (self.carried(from_year) or {"total": ZERO})["total"]
        difference = sum(balances.values(), ZERO) - carried
        if difference == 0:
            return ZERO
        if difference < 0 and -difference > self.available(CARRIED):
            raise Refusal("金额", f"上年结转减少 {fmt_yuan(-difference)} 元超过项目 {self.code} {CARRIED}可用额度 "
                                  f"{fmt_yuan(self.available(CARRIED))} 元")
        self.trigger_event(self.CarriedForward, amount=difference, source=CARRIED, doc=doc, from_year=from_year,
                           balances=dict(balances), snapshot=snapshot, position=position, from_live=from_live,
                           rule=rule, effective_date=effective_date, operator=operator)
        return difference

    def adjust(self, amount: Decimal, source: str, doc: str, effective_date: date, reason: str, operator: str,
               confirm_duplicate: bool = False, classification: Classification = NO_CLASSIFICATION) -> None:
        """``amount`` > 0 is 追加, < 0 is 调减."""
        check_amount(amount)
        if amount == 0:
            raise Refusal("金额", "调整金额不能为零")
        if not reason.strip():
            raise Refusal("原因", "追加/调减必须说明原因")
        self._check_date(effective_date)
        self._check_doc(doc, abs(amount), confirm_duplicate, classification.econ)
        if amount > 0:
            self.trigger_event(self.Increased, amount=amount, source=source, doc=doc, reason=reason,
                               effective_date=effective_date, operator=operator, **classification.fields())
        else:
            self._check_can_take(-amount, source, "调减")
            self.trigger_event(self.Decreased, amount=-amount, source=source, doc=doc, reason=reason,
                               effective_date=effective_date, operator=operator, **classification.fields())

    def transfer_out(self, amount: Decimal, source: str, doc: str, effective_date: date, reason: str,
                     counterpart: str, operator: str, confirm_duplicate: bool = False) -> None:
        self._check_positive(amount)
        if not reason.strip():
            raise Refusal("原因", "调剂必须说明原因")
        self._check_date(effective_date)
        self._check_doc(doc, amount, confirm_duplicate)
        self._check_can_take(amount, source, "调剂转出")
        self.trigger_event(self.TransferredOut, amount=amount, source=source, doc=doc, reason=reason,
                           counterpart=counterpart, effective_date=effective_date, operator=operator)

    def transfer_in(self, amount: Decimal, source: str, doc: str, effective_date: date, reason: str,
                    counterpart: str, operator: str, confirm_duplicate: bool = False) -> None:
        self._check_positive(amount)
        self._check_date(effective_date)
        self._check_doc(doc, amount, confirm_duplicate)
        self.trigger_event(self.TransferredIn, amount=amount, source=source, doc=doc, reason=reason,
                           counterpart=counterpart, effective_date=effective_date, operator=operator)

    def pay(self, amount: Decimal, source: str, voucher: str, effective_date: date, operator: str, note: str = "",
            classification: Classification = NO_CLASSIFICATION) -> None:
        self._check_positive(amount)
        voucher = normal("voucher", voucher)
        if not voucher:
            raise Refusal("凭证号", "不能为空")
        if voucher in self.payments:
            raise Refusal("凭证号", f"{voucher} 已在项目 {self.code} {self.year} 年度使用过")
        self._check_date(effective_date)
        self._check_can_take(amount, source, "支出")
        self.trigger_event(self.Paid, amount=amount, source=source, voucher=voucher, note=note,
                           effective_date=effective_date, operator=operator, **classification.fields())

    def reverse(self, voucher: str, effective_date: date, reason: str, operator: str) -> None:
        voucher = normal("voucher", voucher)
        payment = self.payments.get(voucher)
        if payment is None:
            raise Refusal("凭证号", f"项目 {self.code} {self.year} 年度没有凭证 {voucher}")
        if payment["reversed"]:
            raise Refusal("凭证号", f"凭证 {voucher} 已冲销过")
        if not reason.strip():
            raise Refusal("原因", "冲销必须说明原因")
        self._check_date(effective_date)
        if effective_date < payment["date"]:
            raise Refusal("日期", f"冲销日期 {effective_date.isoformat()} 早于凭证 {voucher} 的支出日期 "
                                  f"{payment['date'].isoformat()}")
        self.trigger_event(self.PaymentReversed, amount=payment["amount"], source=payment["source"], voucher=voucher,
                           reason=reason, effective_date=effective_date, operator=operator,
                           **Classification.of(payment).fields())

    def raise_warning(self, as_of: date, level: str, rate: Decimal | None, progress: Decimal, operator: str) -> bool:
        """Record a 双监控 warning unless one was already raised for ``as_of``; True if recorded."""
        if as_of.isoformat() in self.warnings:
            return False
        self.trigger_event(self.WarningRaised, as_of=as_of, level=level, execution_rate=rate, time_progress=progress,
                           effective_date=as_of, operator=operator)
        return True

    def executed_by(self, as_of: date) -> Decimal:
        """执行数 of the payments effective on or before ``as_of`` (a reversed payment counts nothing)."""
        return sum((p["amount"] for p in self.payments.values() if p["date"] <= as_of and not p["reversed"]), ZERO)

    def forecast_execution(self, as_of: date, executed: Decimal, reason: str, operator: str) -> None:
        """Record the 全年预计执行数: not below what is executed by ``as_of``, nor above 全年预算数."""
        check_in_year(as_of, self.year, "截至日期")
        check_amount(executed, "全年预计执行数")
        already = self.executed_by(as_of)
        if executed < already:
            raise Refusal("全年预计执行数", f"{fmt_yuan(executed)} 元低于截至 {as_of.isoformat()} 已执行的 "
                                       f"{fmt_yuan(already)} 元")
        self.trigger_event(self.ExecutionForecast, as_of=as_of, executed=executed, reason=reason.strip(),
                           effective_date=as_of, operator=operator)

    def forecast_indicator(self, code: str, as_of: date, value: Decimal | None, likelihood: str, cause: str,
                           action: str, operator: str) -> None:
        """Record a monitoring judgement; 偏差原因 and 纠偏措施 are required unless 确定能."""
        self.indicator(code)
        check_in_year(as_of, self.year, "截至日期")
        check_choice(likelihood, LIKELIHOODS, "完成目标可能性")
        if cause:
            check_choice(cause, CAUSES, "偏差原因")
        if likelihood != CERTAIN and not cause:
            raise Refusal("偏差原因", f"完成目标可能性为“{likelihood}”时必须选择偏差原因（{'、'.join(CAUSES)}）")
        if likelihood != CERTAIN and not action.strip():
            raise Refusal("纠偏措施", f"完成目标可能性为“{likelihood}”时必须填写纠偏措施")
        if value is not None:
            check_number(value, "全年预计完成值")
            if value < 0:
                raise Refusal("全年预计完成值", "不能为负数")
        self.trigger_event(self.IndicatorForecast, indicator=code, as_of=as_of, value=value, likelihood=likelihood,
                           cause=cause, action=action.strip(), effective_date=as_of, operator=operator)

    # -- indicator commands -----------------------------------------------------------

    def indicator(self, code: str) -> dict:
        try:
            return self.indicators[normal("indicator", code)]
        except KeyError:
            raise Refusal("指标", f"项目 {self.code} {self.year} 年度没有指标 {code}") from None

    def next_indicator_code(self) -> str:
        return f"I{len(self.indicators) + 1:02d}"

    def declare_indicator(self, level1: str, level2: str, name: str, target: Target, unit: str, weight: Decimal,
                          effective_date: date, operator: str) -> str:
        level1, level2, name = normal("level1", level1), normal("level2", level2), normal("name", name)
        for field, value in (("一级指标", level1), ("二级指标", level2), ("三级指标", name)):
            if not value.strip():
                raise Refusal(field, "不能为空")
        check_number(weight, "分值")
        if weight < 0 or weight > 100:
            raise Refusal("分值", f"分值应在 0 到 100 之间，收到 {weight}")
        if any(i["name"] == name and i["level2"] == level2 for i in self.indicators.values()):
            raise Refusal("三级指标", f"项目 {self.code} 已有指标“{name}”（{level2}）")
        self._check_date(effective_date)
        code = self.next_indicator_code()
        self.trigger_event(self.IndicatorDeclared, indicator=code, level1=level1, level2=level2, name=name,
                           target=target.as_dict(), unit=unit, weight=weight,
                           effective_date=effective_date, operator=operator)
        return code

    def revise_target(self, code: str, target: Target, doc: str, reason: str, effective_date: date, operator: str) -> None:
        self.indicator(code)
        if not reason.strip():
            raise Refusal("原因", "调整指标值必须说明原因")
        self._check_date(effective_date)
        self.trigger_event(self.TargetRevised, indicator=code, target=target.as_dict(), doc=doc, reason=reason,
                           effective_date=effective_date, operator=operator)

    def record_actual(self, code: str, value: Decimal | None, text: str, effective_date: date, operator: str) -> None:
        indicator = self.indicator(code)
        quantitative = indicator["target"]["comparison"] != QUALITATIVE
        if quantitative and value is None:
            raise Refusal("实际完成值", f"指标 {code} 是定量指标，需要数值")
        if value is not None:
            check_number(value, "实际完成值")
        if value is not None and value < 0:
            raise Refusal("实际完成值", "不能为负数")
        self._check_date(effective_date)
        self.trigger_event(self.ActualRecorded, indicator=code, value=value, text=text,
                           effective_date=effective_date, operator=operator)

    def assess(self, code: str, grade: str, score: Decimal, reason: str, effective_date: date, operator: str,
               rubric: Rubric) -> None:
        """A qualitative assessment; the rubric in force decides the grade bands."""
        indicator = self.indicator(code)
        if indicator["target"]["comparison"] != QUALITATIVE:
            raise Refusal("指标", f"指标 {code} 是定量指标，得分由实际完成值计算，不能直接评定")
        check_assessment(rubric, indicator["weight"], grade, score, reason)
        self._check_date(effective_date)
        self.trigger_event(self.QualitativeAssessed, indicator=code, grade=grade, score=score, reason=reason,
                           effective_date=effective_date, operator=operator)

    def explain_deviation(self, code: str, text: str, effective_date: date, operator: str) -> None:
        if code:
            self.indicator(code)
        if not text.strip():
            raise Refusal("偏差原因分析及改进措施", "不能为空")
        self._check_date(effective_date)
        self.trigger_event(self.DeviationExplained, indicator=code, text=text, effective_date=effective_date, operator=operator)



