"""Recording forms (modal screens): 追加/调减, 调剂, 支出, 冲销, 实际完成值, 定性评定, 偏差说明.

Each field is checked as it is typed by the parser the command line uses (``parse_amount``,
``parse_date``, …), so the message is the command line's. Submitting calls the same
``BudgetApp`` command as the verb: a Refusal stays in the form and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label, Select, Static

from bpt.domain.calendar import check_in_year, clamp_to_year, parse_date
from bpt.domain.money import fmt_yuan, parse_amount, parse_quantity
from bpt.domain.project import ProjectYear
from bpt.domain.refusal import Refusal
from bpt.domain.values import FUNDING_SOURCES, GRADES, QUALITATIVE
from bpt.domain.money import parse_number

INCREASE, DECREASE = "追加", "调减"
EXECUTION = ""  # the indicator code of budget execution's own deviation note


class Parses(Validator):
    """An Input check by one of the domain's parsers: the Refusal's line is the failure."""

    def __init__(self, parse: Callable[[str], Any]):
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except Refusal as refusal:
            return self.failure(f"错误：{refusal}")
        return self.success()


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    parse: Callable[[str], Any] | None = None  # None: the text as typed
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (label, value): a Select instead of an Input


class FieldForm(ModalScreen):
    """A column of labelled fields, each validated as typed, and a submit that may be refused."""

    TITLE = ""
    BINDINGS = [Binding("escape", "cancel", "取消"), Binding("ctrl+s", "submit", "提交")]

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def defaults(self) -> dict[str, str]:
        return {}

    def heading(self) -> str:
        return self.TITLE

    def accept(self, values: dict[str, Any], raw: dict[str, str]) -> Any:
        """Act on the parsed values; the result is what the form is dismissed with."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        defaults = self.defaults()
        self.spec = {f.key: f for f in self.fields()}
        with Vertical(id="form"):
            yield Static(self.heading(), classes="form-title")
            for f in self.spec.values():
                with Horizontal(classes="field"):
                    yield Label(f.label, classes="field-label")
                    if f.choices:
                        yield Select(f.choices, id=f.key, allow_blank=False, compact=True,
                                     value=defaults.get(f.key, f.choices[0][1]))
                    else:
                        yield Input(defaults.get(f.key, ""), placeholder=f.placeholder, id=f.key, compact=True,
                                    validators=[Parses(f.parse)] if f.parse else None,
                                    validate_on=["changed"] if f.parse else None)
                yield Static(id=f"{f.key}-error", classes="field-error")
            yield Static(id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("提交 Ctrl+S", id="submit", variant="primary", compact=True)
                yield Button("取消 Esc", id="cancel", compact=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        # An empty field is not nagged about while typing; submitting it is refused.
        message = "" if result is None or result.is_valid or not event.value else result.failure_descriptions[0]
        self.show_error(f"#{event.input.id}-error", message)

    def show_error(self, selector: str, message: str) -> None:
        line = self.query_one(selector, Static)
        line.update(message)
        line.display = bool(message)

    def revalidate(self, key: str) -> None:
        field = self.query_one(f"#{key}", Input)
        field.post_message(Input.Changed(field, field.value, field.validate(field.value)))

    def value_of(self, key: str) -> str:
        widget = self.query_one(f"#{key}")
        return widget.value if isinstance(widget, Input) else str(widget.value)

    def on_input_submitted(self) -> None:
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_submit() if event.button.id == "submit" else self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        raw = {key: self.value_of(key) for key in self.spec}
        try:
            values = {key: (f.parse(raw[key]) if f.parse else raw[key]) for key, f in self.spec.items()}
            result = self.accept(values, raw)
        except Refusal as refusal:
            self.show_error("#form-error", f"错误：{refusal}（未记录）")
            return
        self.dismiss(result)


class DateDialog(FieldForm):
    """The as-of date of every figure shown (effective-date axis)."""

    TITLE = "截至日期（生效日期口径）"

    def __init__(self, current: date):
        super().__init__()
        self.current = current

    def fields(self) -> list[Field]:
        return [Field("as_of", "截至日期", lambda t: parse_date(t, "截至日期"), "YYYY-MM-DD")]

    def defaults(self) -> dict[str, str]:
        return {"as_of": self.current.isoformat()}

    def accept(self, values: dict[str, Any], raw: dict[str, str]) -> date:
        return values["as_of"]


class SearchDialog(FieldForm):
    """Which projects the overview lists: a code or a part of a name (empty: all)."""

    TITLE = "查找项目（编号或名称的一部分，留空显示全部）"

    def __init__(self, current: str):
        super().__init__()
        self.current = current

    def fields(self) -> list[Field]:
        return [Field("text", "查找", None, "如 P01、工会")]

    def defaults(self) -> dict[str, str]:
        return {"text": self.current}

    def accept(self, values: dict[str, Any], raw: dict[str, str]) -> str:
        return values["text"].strip()


def _operator(text: str) -> str:
    if not text.strip():
        raise Refusal("经办人", "不能为空")
    return text.strip()


class OperatorDialog(FieldForm):
    """Who records: asked once per session when neither --operator nor BPT_OPERATOR says."""

    TITLE = "经办人（本次会话记录的每一笔都署此名）"

    def fields(self) -> list[Field]:
        return [Field("operator", "经办人", _operator, "姓名")]

    def accept(self, values: dict[str, Any], raw: dict[str, str]) -> str:
        return values["operator"]


class RecordForm(FieldForm):
    """A form that records one event on the current project through ``bpt.app``."""

    def __init__(self, project: str):
        super().__init__()
        self.project = project

    @property
    def year(self) -> int:
        return self.app.year

    def loaded(self) -> ProjectYear:
        return self.app.readmodel.project(self.project)

    def heading(self) -> str:
        p = self.loaded()
        return f"{self.TITLE}：{p.code} {p.name}（{self.year} 年度，经办人 {self.app.operator}）"

    def defaults(self) -> dict[str, str]:
        return {"date": clamp_to_year(self.app.as_of, self.year).isoformat()}

    def parse_date(self, text: str) -> date:
        return check_in_year(parse_date(text, "日期"), self.year, "日期")

    def date_field(self, label: str = "日期") -> Field:
        return Field("date", label, self.parse_date, "YYYY-MM-DD")

    def accept(self, values: dict[str, Any], raw: dict[str, str]) -> str:
        return self.record(values, raw, self.app.bpt.app, self.app.operator)

    def record(self, v: dict[str, Any], raw: dict[str, str], app, operator: str) -> str:
        raise NotImplementedError

    def summary(self, what: str, p: ProjectYear) -> str:
        f = p.figures()
        return (f"{what}：{p.code} {p.name}｜全年预算 {fmt_yuan(f['adjusted_budget'])} 元，"
                f"已执行 {fmt_yuan(f['executed'])} 元")


def amount_field(label: str = "金额") -> Field:
    return Field("amount", label, lambda t: parse_amount(t, "金额"), "26万、26.5万元、260000.00")


def source_field() -> Field:
    return Field("source", "资金来源", choices=tuple((s, s) for s in FUNDING_SOURCES))


class AdjustForm(RecordForm):
    TITLE = "追加/调减"

    def fields(self) -> list[Field]:
        return [Field("direction", "方向", choices=((INCREASE, INCREASE), (DECREASE, DECREASE))), amount_field(),
                Field("doc", "文号", placeholder="衡财预〔2021〕35号"), self.date_field("生效日期"),
                Field("reason", "原因"), source_field()]

    def record(self, v, raw, app, operator) -> str:
        amount = v["amount"] if v["direction"] == INCREASE else -v["amount"]
        p = app.adjust(self.project, self.year, amount, doc=v["doc"], on=v["date"], reason=v["reason"],
                       source=v["source"], operator=operator)
        return self.summary(f"已记录{v['direction']} {fmt_yuan(v['amount'])} 元", p)


class TransferForm(RecordForm):
    TITLE = "调剂（调出本项目）"

    def parse_target(self, text: str) -> str:
        code = text.strip()
        self.app.readmodel.project(code)  # refuses an unknown project, as the command does
        return code

    def fields(self) -> list[Field]:
        return [Field("target", "调入项目", self.parse_target, "项目编号"), amount_field(),
                Field("doc", "文号"), self.date_field("生效日期"), Field("reason", "原因"), source_field()]

    def record(self, v, raw, app, operator) -> str:
        app.transfer(self.project, v["target"], self.year, v["amount"], doc=v["doc"], on=v["date"],
                     reason=v["reason"], source=v["source"], operator=operator)
        return f"已记录调剂 {fmt_yuan(v['amount'])} 元：{self.project} → {v['target']}"


class PayForm(RecordForm):
    TITLE = "支出"

    def fields(self) -> list[Field]:
        return [amount_field(), Field("voucher", "凭证号", placeholder="同一项目年度内唯一"),
                self.date_field("支出日期"), source_field(), Field("note", "摘要")]

    def record(self, v, raw, app, operator) -> str:
        p = app.pay(self.project, self.year, v["amount"], voucher=v["voucher"], on=v["date"], source=v["source"],
                    note=v["note"], operator=operator)
        return self.summary(f"已记录支出 {fmt_yuan(v['amount'])} 元（{v['voucher']}）", p)


class ReverseForm(RecordForm):
    TITLE = "冲销支出"

    def fields(self) -> list[Field]:
        payments = [(f"{voucher}  {fmt_yuan(pay['amount'])} 元  {pay['date'].isoformat()}", voucher)
                    for voucher, pay in self.loaded().payments.items() if not pay["reversed"]]
        voucher = (Field("voucher", "凭证号", choices=tuple(payments)) if payments
                   else Field("voucher", "凭证号", placeholder="（本项目尚无可冲销的支出）"))
        return [voucher, Field("reason", "原因"), self.date_field("冲销日期")]

    def record(self, v, raw, app, operator) -> str:
        p = app.reverse(self.project, self.year, voucher=v["voucher"], reason=v["reason"], on=v["date"],
                        operator=operator)
        return self.summary(f"已冲销 {v['voucher']}", p)


def indicator_field(p: ProjectYear, keep: Callable[[dict], bool], extra: tuple[tuple[str, str], ...] = ()) -> Field:
    options = extra + tuple((f"{code} {ind['name']}（{ind['target']['text']}）", code)
                            for code, ind in p.indicators.items() if keep(ind))
    if options:
        return Field("indicator", "指标", choices=options)
    return Field("indicator", "指标", placeholder="（本项目尚无此类指标）")


class ActualForm(RecordForm):
    TITLE = "记录实际完成值"

    def fields(self) -> list[Field]:
        return [indicator_field(self.loaded(), lambda ind: True),
                Field("value", "实际完成值", self.parse_value, "定量：5、100%、26万；定性：文字"),
                self.date_field()]

    def parse_value(self, text: str) -> Decimal | None:
        """A number for a quantitative indicator (as `bpt indicator record`), text otherwise."""
        indicator = self.loaded().indicators.get(self.value_of("indicator"))
        if indicator is not None and indicator["target"]["comparison"] == QUALITATIVE:
            return None
        return parse_quantity(text, "实际完成值")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "indicator":
            self.revalidate("value")

    def record(self, v, raw, app, operator) -> str:
        app.record_actual(self.project, self.year, v["indicator"], value=v["value"], text=raw["value"],
                          on=v["date"], operator=operator)
        return f"已记录 {self.project} {v['indicator']} 实际完成值 {raw['value']}"


class AssessForm(RecordForm):
    TITLE = "定性指标评定"

    def fields(self) -> list[Field]:
        return [indicator_field(self.loaded(), lambda ind: ind["target"]["comparison"] == QUALITATIVE),
                Field("grade", "等级", choices=tuple((g, g) for g in GRADES)),
                Field("score", "得分", lambda t: parse_number(t, "得分")),
                Field("reason", "原因", placeholder="未得满分时必填"), self.date_field("评定日期")]

    def record(self, v, raw, app, operator) -> str:
        app.assess(self.project, self.year, v["indicator"], grade=v["grade"], score=v["score"], reason=v["reason"],
                   on=v["date"], operator=operator)
        return f"已评定 {self.project} {v['indicator']}：{v['grade']} {raw['score']} 分"


class DeviationForm(RecordForm):
    TITLE = "偏差原因分析及改进措施"

    def fields(self) -> list[Field]:
        return [indicator_field(self.loaded(), lambda ind: True, extra=(("预算执行", EXECUTION),)),
                Field("text", "偏差说明", placeholder="偏差原因分析及改进措施"), self.date_field()]

    def record(self, v, raw, app, operator) -> str:
        app.explain_deviation(self.project, self.year, v["indicator"], text=v["text"], on=v["date"],
                              operator=operator)
        return f"已记录 {self.project} {v['indicator'] or '预算执行'} 的偏差说明"


# The forms by action name (``app.record('adjust')``), in menu order.
FORMS: dict[str, type[RecordForm]] = {
    "adjust": AdjustForm, "transfer": TransferForm, "pay": PayForm, "reverse": ReverseForm,
    "actual": ActualForm, "assess": AssessForm, "deviation": DeviationForm,
}


# The keys that open a recording form, on every screen that shows projects.
RECORDING_BINDINGS = [
    Binding("a", "app.record('adjust')", "追加/调减"),
    Binding("p", "app.record('pay')", "支出"),
    Binding("t", "app.record('transfer')", "调剂", show=False),
    Binding("r", "app.record('reverse')", "冲销", show=False),
    Binding("v", "app.record('actual')", "实际完成值", show=False),
    Binding("g", "app.record('assess')", "定性评定", show=False),
    Binding("x", "app.record('deviation')", "偏差说明", show=False),
]
