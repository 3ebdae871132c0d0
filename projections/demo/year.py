"""The demo year: 中共衡阳市直属机关工作委员会, 2021 (seeds 000 and 002), recorded through BudgetApp.

Everything is recorded with the application's own commands, in effective-date order, so the
demo passes the same checks as the CLI: approvals in January, payments month by month, the
35万 追加 for the 市十一运会, the mid-year 调减 of the project budget from 90万 to 81万, the
seed 002 targets with seed 000's actual values and assessments, the 双监控 warnings at the
end of July and the deviation explanations. Payments are split deterministically, so every
build gives the same events (apart from the recording timestamps).

The year-end figures reproduce seed 000: 市直机关工会工作经费 26万 → 22万, 15.48万 executed
(70.36%); 党员活动经费 40万, 12.9万 executed (32.25%); 项目支出 90 → 81万 + 35万, 80.1万
executed; 基本支出 449.42万 at the start. The 基本支出 budget and payments are classified
(经济分类, 功能分类 2013101 行政运行) so that the derived 基础数据表 gives seed 000's 2021 figures:
公用经费 预算 72.28 / 决算 52.83 (商品和服务支出 51.02 + 资本性支出 1.82, in exact 元 that round
to the seed's 万元), its 办公经费 5.0 / 0.95, 水费、电费、差旅费 4.50 / 0.24, 会议费、培训费 0 / 0,
三公 17 / 3.96 (= 公务用车运行维护 4 / 3.96, 公务接待 13 / 0), 政府采购 5 / 1.82, and
对个人和家庭的补助 56.78. Seed 000's 基本支出 567.38 (工资福利支出 457.76) exceeds the 基本支出
budget it reports (449.42 + 60.16 调增 = 509.58; with 项目支出 80.1 it would be 647.48 against the
全年预算 625.58 its 部门整体 table executes): the demo spends within its budget, 基本支出 489.68,
工资福利支出 380.07 (tests/integration/test_dept_figures.py names this slip). A demo database is
marked by the source of its department basic data (``DEMO_SOURCE``): ``bpt demo --fresh``
replaces only such a file.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bpt.domain.classification import Classification, econ_name
from bpt.domain.money import WAN, fmt_yuan, parse_quantity
from bpt.domain.project import NO_CLASSIFICATION
from bpt.domain.refusal import Refusal
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, builtin_rubric
from bpt.domain.values import BASIC_SPENDING, CURRENT, PROJECT_SPENDING, QUALITATIVE
from bpt.projections.demo.later_years import LATER, build_later_years
from bpt.projections.store.database import Database
from bpt.projections.imports.target_text import interpret_target
from bpt.projections.schema import init_database
from bpt.projections.monitoring.lagging import monitor
from bpt.projections.store.service import Bpt

YEAR = 2021
DEPT = "D01"
DEPT_NAME = "中共衡阳市直属机关工作委员会"
STAFF_QUOTA = STAFF_ACTUAL = 26
OPERATOR = "演示数据"
DEMO_SOURCE = "bpt 演示数据（据 2021 年度部门整体支出绩效评价基础数据表）"
DEFAULT_FILE = "demo.db"
_SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's companions of a database file

OPENED = date(YEAR, 1, 4)
APPROVED = date(YEAR, 1, 15)
APPROVAL_DOC = "衡财预〔2021〕1号"
MONITOR_AS_OF = date(YEAR, 7, 31)  # end of the 双监控 period
YEAR_END = date(YEAR, 12, 31)
MIDYEAR = date(YEAR, 6, 30)


def wan(text: str) -> Decimal:
    return Decimal(text) * WAN


# (经济分类 款, amount in 元, 政府采购): how a classified project's budget or payments divide.
EconShare = tuple[str, Decimal, bool]
BASIC_FUNC = "2013101"  # 功能分类 of the 基本支出: 行政运行


@dataclass(frozen=True)
class DemoProject:
    code: str
    name: str
    kind: str
    initial: Decimal  # 年初预算数, 元 (0: funded by a 追加 only)
    executed: Decimal  # 全年执行数, 元, split over ``payments``
    payments: tuple[tuple[str, str], ...]  # (date, 摘要)
    budget_econ: tuple[EconShare, ...] = ()  # the 年初预算 by 经济分类 (one approval each); () unclassified
    paid_econ: tuple[EconShare, ...] = ()  # the executed amount by 经济分类, spread over every payment date

    @property
    def func(self) -> str:
        return BASIC_FUNC if self.kind == BASIC_SPENDING else ""


def _shares(*rows: tuple[str, str] | tuple[str, str, bool]) -> tuple[EconShare, ...]:
    """(款, 元[, 政府采购]) rows."""
    return tuple((r[0], Decimal(r[1]), bool(r[2:] and r[2])) for r in rows)


_MONTHLY = tuple(f"{YEAR}-{m:02d}-15" for m in range(1, 13))

PROJECTS = (
    DemoProject("P01", "市直机关工会工作经费", PROJECT_SPENDING, wan("26"), wan("15.48"), (
        ("2021-01-28", "春节走访慰问困难职工"), ("2021-03-16", "机关工会干部业务培训"),
        ("2021-04-22", "市直机关职工篮球赛"), ("2021-06-18", "参加全省机关事业单位新任工会干部岗位培训"),
        ("2021-09-17", "中秋走访慰问困难职工"), ("2021-10-26", "市直机关文明家庭评选表彰"),
        ("2021-12-10", "市直行业工会负责人参加基层工会工作培训班"), ("2021-12-24", "元旦环城赛跑筹备"))),
    DemoProject("P02", "党员活动经费", PROJECT_SPENDING, wan("40"), wan("12.9"), (
        ("2021-03-05", "“学党史、讲故事、践初心”微党课演讲比赛"), ("2021-04-20", "“支部学、党员考、支书比”党史知识竞赛"),
        ("2021-06-29", "庆祝建党 100 周年主题党日活动"), ("2021-09-28", "市直机关推进“三强一化”建设示范培训班"),
        ("2021-11-15", "星级党支部创建评审"), ("2021-12-20", "模范机关创建调研"))),
    DemoProject("P03", "市直机关活动专项经费", PROJECT_SPENDING, wan("10"), wan("6.5"), (
        ("2021-02-25", "“学习强国”学习达人挑战赛"), ("2021-05-12", "市直机关青年宣讲团宣讲"),
        ("2021-07-08", "党员教育电视片观摩交流"), ("2021-10-15", "市直机关篮球赛"),
        ("2021-12-08", "元旦环城赛跑"))),
    DemoProject("P04", "市直机关纪检办案工作经费", PROJECT_SPENDING, wan("2"), wan("0.77"), (
        ("2021-04-09", "案件审理卷宗印制"), ("2021-09-14", "案件审理外调交通费"))),
    DemoProject("P05", "市直机关作风建设工作经费", PROJECT_SPENDING, wan("10"), wan("7.45"), (
        ("2021-02-10", "春节期间作风建设明察暗访"), ("2021-04-06", "清明期间作风建设明察暗访"),
        ("2021-06-11", "五一端午期间作风建设明察暗访"), ("2021-10-08", "中秋国庆期间作风建设明察暗访"),
        ("2021-11-20", "廉政警示教育"))),
    DemoProject("P06", "妇委会活动经费", PROJECT_SPENDING, wan("2"), wan("2"), (
        ("2021-03-08", "“三八”妇女节女干部职工教育培训"), ("2021-10-20", "最美家庭评选表彰"))),
    DemoProject("P07", "市十一运会经费", PROJECT_SPENDING, Decimal(0), wan("35"), (
        ("2021-06-10", "市十一运会参赛服装器材"), ("2021-07-15", "代表团赛前集训"),
        ("2021-08-10", "代表团参赛交通食宿"), ("2021-09-06", "代表团参赛交通食宿（决赛阶段）"))),
    # 工资福利支出 380.07万, 对个人和家庭的补助 56.78万 (seed 000); the budget is not classified in the seeds.
    DemoProject("B01", "人员经费", BASIC_SPENDING, wan("377.14"), wan("436.85"),
                tuple((d, f"{int(d[5:7])} 月工资福利") for d in _MONTHLY) + (("2021-12-28", "年终绩效奖励"),),
                paid_econ=_shares(("30101", "984000"), ("30102", "1203000"), ("30103", "216700"), ("30107", "520000"),
                                  ("30108", "382000"), ("30110", "175000"), ("30113", "320000"), ("30302", "523800"),
                                  ("30305", "44000"))),
    # 公用经费 72.28万 budgeted and 52.83万 spent as seed 000's 基础数据表 details them.
    DemoProject("B02", "公用经费", BASIC_SPENDING, wan("72.28"), wan("52.83"),
                tuple((d.replace("-15", "-25"), f"{int(d[5:7])} 月办公费、水电费、差旅费等") for d in _MONTHLY),
                budget_econ=_shares(("30201", "50000"), ("30205", "10000"), ("30206", "20000"), ("30211", "15000"),
                                    ("30231", "40000"), ("30217", "130000"), ("31002", "50000", True),
                                    ("302", "407800")),
                paid_econ=_shares(("30201", "9500"), ("30205", "800"), ("30206", "1000"), ("30211", "600"),
                                  ("30231", "39600"), ("30207", "12000"), ("30213", "25000"), ("30228", "65000"),
                                  ("30229", "32000"), ("30239", "256000"), ("30299", "68650"),
                                  ("31002", "18150", True))),
)

# (date, project, ±amount, 文号, 原因): 90万 → 81万 on 2021-08-20, and the two 追加.
ADJUSTMENTS = (
    ("2021-05-20", "P07", wan("35"), "衡财预〔2021〕18号", "市十一运会市直机关代表团组队参赛经费（追加）"),
    ("2021-06-30", "B01", wan("60.16"), "衡财预〔2021〕26号", "调整工资标准及发放绩效奖励（追加）"),
    ("2021-08-20", "P01", -wan("4"), "衡财预〔2021〕35号", "压减一般性支出：项目支出年中由 90 万元调减为 81 万元"),
    ("2021-08-20", "P03", -wan("3"), "衡财预〔2021〕35号", "压减一般性支出：项目支出年中由 90 万元调减为 81 万元"),
    ("2021-08-20", "P04", -wan("1"), "衡财预〔2021〕35号", "压减一般性支出：项目支出年中由 90 万元调减为 81 万元"),
    ("2021-08-20", "P05", -wan("1"), "衡财预〔2021〕35号", "压减一般性支出：项目支出年中由 90 万元调减为 81 万元"),
)

PAID_TO_DATE = "已支出"  # an actual value of a 总成本 indicator: what the project had paid by then


@dataclass(frozen=True)
class DemoIndicator:
    project: str
    level1: str
    level2: str
    name: str
    target: str  # 年度指标值 as the 申报表 words it
    weight: Decimal
    progress: tuple[tuple[str, str], ...]  # (date, 实际完成值); the last is the year-end value
    grade: str = ""  # qualitative: the year-end assessment
    score: Decimal | None = None
    reason: str = ""


def _ind(project, level1, level2, name, target, weight, *progress, grade="", score=None, reason=""):
    return DemoIndicator(project, level1, level2, name, target, Decimal(weight), tuple(progress), grade,
                         None if score is None else Decimal(score), reason)


_OUT, _EFFECT, _SAT = "产出指标", "效益指标", "满意度指标"
_SATISFACTION = "服务对象满意度指标"
_END = "2021-12-31"

# P01 and P02: the targets of seed 002 with the weights and actual values of seed 000's 自评表.
# P03–P07: targets from seed 000's 部门整体 table and report text, spread over their projects.
INDICATORS = (
    _ind("P01", _OUT, "数量指标", "困难职工慰问帮扶", "对符合条件的困难职工进行慰问", 5,
         ("2021-01-28", "春节慰问已完成"), (_END, "100%"), grade="达成", score=5),
    _ind("P01", _OUT, "数量指标", "机关工会干部业务培训", "全年不少 1 次", 5, ("2021-06-18", "1"), (_END, "1")),
    _ind("P01", _OUT, "质量指标", "文体活动", "市直机关干部职工参与度 30%以上", 10, ("2021-06-30", "45%"), (_END, "100%")),
    _ind("P01", _OUT, "质量指标", "机关工会干部业务培训", "市直机关工会干部参训率 100%", 10, ("2021-06-30", "60%"),
         (_END, "100%")),
    _ind("P01", _OUT, "时效指标", "文体活动", "每半年至少 1 次", 10, ("2021-06-30", "1"), (_END, "1")),
    _ind("P01", _OUT, "成本指标", "总成本", "26.00", 10, ("2021-06-30", PAID_TO_DATE), (_END, PAID_TO_DATE)),
    _ind("P01", _EFFECT, "生态效益指标", "破坏生态环境事件", "控制 100%不发生", 15, (_END, "100%")),
    _ind("P01", _EFFECT, "可持续影响指标", "提升机关执行力", "100%执行", 15, (_END, "100%")),
    _ind("P01", _SAT, _SATISFACTION, "机关党员干部满意度", "满意度 95%以上", 10, (_END, "99%")),
    _ind("P02", _OUT, "数量指标", "模范机关创建", "按照中央、省委、市委要求执行", 5, (_END, "100%"), grade="达成", score=5),
    _ind("P02", _OUT, "数量指标", "自选党建活动", "全年约 5 次", 5, ("2021-06-30", "3"), (_END, "5")),
    _ind("P02", _OUT, "质量指标", "各市直机关党组织开展模范机关创建", "各市直机关党组织全覆盖，不落 1 个", 10,
         (_END, "100%"), grade="达成", score=10),
    _ind("P02", _OUT, "质量指标", "支部“五化”建设", "实现 1000 余个机关基层支部全部达标", 10, (_END, "达标"),
         grade="达成", score=10),
    _ind("P02", _OUT, "时效指标", "模范机关创建时效", "按照中央、省委、市委要求执行", 5, (_END, "100%"),
         grade="达成", score=5),
    _ind("P02", _OUT, "时效指标", "党建活动时效", "每季度至少 1 次", 5, ("2021-06-30", "1"), (_END, "1")),
    _ind("P02", _OUT, "成本指标", "总成本", "40.00", 10, ("2021-06-30", PAID_TO_DATE), (_END, PAID_TO_DATE)),
    _ind("P02", _EFFECT, "经济效益指标",
         "以党建活动为我市加快建成名副其实的省域副中心城市和最美地级市，当好承接东部产业转移“领头雁”凝聚合力，提供政治保障",
         "100%长期坚持", 10, (_END, "100%")),
    _ind("P02", _EFFECT, "社会效益指标",
         "充分发挥机关党组织和广大党员先锋模范作用，以最强执行力助推省域副中心城市建设和最美地级市建设",
         "具有最强执行力，推进衡阳经济社会发展", 10, (_END, "100%"), grade="达成", score=10),
    _ind("P02", _EFFECT, "生态效益指标", "破坏生态环境事件", "控制 100%不发生", 5, (_END, "100%")),
    _ind("P02", _EFFECT, "可持续影响指标", "机关执行力提升，人民群众满意",
         "建设让党中央放心，让人民群众满意的具有最强执行力的模范机关", 5, (_END, "100%"), grade="达成", score=5),
    _ind("P02", _SAT, _SATISFACTION, "服务市直机关党员干部满意度", "满意度 95%以上", 10, (_END, "100%")),
    _ind("P03", _OUT, "数量指标", "市直机关文体活动", "2次", 30, ("2021-06-30", "1"), (_END, "2")),
    _ind("P03", _OUT, "成本指标", "文体活动", "10万元", 20, (_END, PAID_TO_DATE)),
    _ind("P03", _EFFECT, "社会效益指标", "展现市直机关干部职工精神风貌", "组织开展元旦环城赛跑、篮球赛等各类文体活动", 30,
         (_END, "已开展，部分活动受疫情影响延期"), grade="达成", score=28, reason="部分文体活动受疫情影响延期举办"),
    _ind("P03", _SAT, _SATISFACTION, "参与干部职工满意度", "满意度 95%以上", 10, (_END, "98%")),
    _ind("P04", _OUT, "数量指标", "廉政教育", "2次", 30, ("2021-06-30", "1"), (_END, "2")),
    _ind("P04", _OUT, "成本指标", "办案工作成本", "2万元", 20, (_END, PAID_TO_DATE)),
    _ind("P04", _EFFECT, "社会效益指标", "移送案件审理质量", "派驻纪检监察组移送案件全部按程序审结", 30,
         (_END, "审结违纪案件 71 起"), grade="达成", score=30),
    _ind("P04", _SAT, _SATISFACTION, "派驻纪检监察组满意度", "满意度 95%以上", 10, (_END, "97%")),
    _ind("P05", _OUT, "数量指标", "节假日作风建设明察暗访", "全年不少于 4 次", 30, ("2021-06-30", "3"), (_END, "4")),
    _ind("P05", _OUT, "成本指标", "作风督查成本", "10万元", 20, (_END, PAID_TO_DATE)),
    _ind("P05", _EFFECT, "社会效益指标", "机关作风持续向好", "驰而不息纠正“四风”", 30,
         (_END, "督查 76 个单位、72 个办事窗口"), grade="达成", score=30),
    _ind("P05", _SAT, _SATISFACTION, "办事群众满意度", "满意度 95%以上", 10, (_END, "96%")),
    _ind("P06", _OUT, "数量指标", "女干部职工教育培训", "2次", 30, ("2021-06-30", "1"), (_END, "2")),
    _ind("P06", _OUT, "成本指标", "活动成本", "2万元", 20, (_END, PAID_TO_DATE)),
    _ind("P06", _EFFECT, "社会效益指标", "文明家庭评选表彰", "评选表彰一批文明家庭、最美家庭", 30,
         (_END, "3 户市级文明家庭、6 户衡阳市“最美家庭”"), grade="达成", score=30),
    _ind("P06", _SAT, _SATISFACTION, "女干部职工满意度", "满意度 95%以上", 10, (_END, "100%")),
    _ind("P07", _OUT, "数量指标", "参赛大项", "不少于 6 个大项", 30, (_END, "6")),
    _ind("P07", _OUT, "成本指标", "参赛经费", "35万元", 20, (_END, PAID_TO_DATE)),
    _ind("P07", _EFFECT, "社会效益指标", "展现市直机关干部职工运动风采", "取得优异成绩", 30,
         (_END, "3 金 3 银 5 铜，获道德风尚奖"), grade="达成", score=30),
    _ind("P07", _SAT, _SATISFACTION, "参赛干部职工满意度", "满意度 95%以上", 10, (_END, "100%")),
)

# 偏差原因分析及改进措施 of budget execution (执行率 below 90%), recorded at year end.
DEVIATIONS = (
    ("P01", "年中调减 4 万元后执行 15.48 万元；部分文体活动受疫情影响取消或缩小规模。下一步按季度通报执行进度，科学编制预算。"),
    ("P02", "部分党建活动在党费中开支，项目资金执行偏低。下一步结合上年执行情况科学编制预算，按季度通报执行进度。"),
    ("P04", "案件审理以内部审核为主，外调支出少于预期。下一步按实际需要编制预算。"),
    ("P05", "明察暗访以市直机关内部力量为主，支出少于预期。下一步结合工作计划细化预算。"),
)

# 部门整体支出绩效评价基础数据 of seed 000 that the events cannot derive (last year's), in 元; the
# source marks a demo database. 三公, 公用经费 and 政府采购 of 2021 are derived from the payments.
BASIC_DATA = {"sangong_last_year": wan("3.78")}


@dataclass(frozen=True)
class DemoPayment:
    project: str
    voucher: str
    on: date
    amount: Decimal
    note: str
    source: str = CURRENT
    classification: Classification = NO_CLASSIFICATION


def _split(total: Decimal, count: int, seed: str) -> list[Decimal]:
    """``total`` in ``count`` whole-元 parts of deterministic, uneven sizes; the last takes the rest."""
    rng = random.Random(seed)
    weights = [rng.randint(60, 140) for _ in range(count)]
    parts = [(total * w / sum(weights)).quantize(Decimal(1), rounding=ROUND_HALF_UP) for w in weights[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]


def _by_econ(amounts: list[Decimal], shares: tuple[EconShare, ...]) -> list[list[Decimal]]:
    """Each payment's amount divided over the 经济分类 shares, in cents: every row adds up to its
    payment and every column to its share (the last row and column take the rests)."""
    total = sum(amounts, Decimal(0))
    cents = Decimal("0.01")
    grid = [[(a * s[1] / total).quantize(cents, rounding=ROUND_HALF_UP) for s in shares[:-1]] for a in amounts[:-1]]
    grid = [[*row, a - sum(row, Decimal(0))] for row, a in zip(grid, amounts[:-1], strict=True)]
    last = [s[1] - sum((row[i] for row in grid), Decimal(0)) for i, s in enumerate(shares)]
    return [*grid, last]


def payments() -> list[DemoPayment]:
    """Every payment of the demo year, in date order, with department-wide voucher numbers per month.

    A classified project pays each date's amount as one payment per 经济分类 款."""
    rows = []
    for p in PROJECTS:
        amounts = [a.quantize(Decimal("0.01")) for a in _split(p.executed, len(p.payments), p.code)]
        grid = _by_econ(amounts, p.paid_econ) if p.paid_econ else [[a] for a in amounts]
        for (on, note), parts in zip(p.payments, grid, strict=True):
            for share, amount in zip(p.paid_econ or ((None, None, False),), parts, strict=True):
                econ, _, procurement = share
                what = Classification(econ, p.func, procurement=procurement) if econ else NO_CLASSIFICATION
                rows.append((date.fromisoformat(on), p.code, f"{note}：{econ_name(econ)}" if econ else note, amount,
                             what))
    rows.sort(key=lambda r: (r[0], r[1]))
    numbered, seq = [], {}
    for on, code, note, amount, what in rows:
        seq[on.month] = seq.get(on.month, 0) + 1
        numbered.append(DemoPayment(code, f"记-{on:%Y%m}-{seq[on.month]:03d}", on, amount, note,
                                    classification=what))
    return numbered


def approvals(p: DemoProject) -> list[tuple[Decimal, Classification]]:
    """The 年初预算 approvals of a project: one per 经济分类 share, or one unclassified."""
    if not p.budget_econ:
        return [(p.initial, NO_CLASSIFICATION)] if p.initial else []
    return [(amount, Classification(econ, p.func, procurement=procurement)) for econ, amount, procurement in p.budget_econ]


def budget_rows() -> list[dict]:
    """The year's approvals and adjustments, as the budget import file lists them."""
    rows = [{"项目编号": p.code, "类型": "年初预算", "金额": fmt_yuan(amount), "资金来源": CURRENT,
             "文号": APPROVAL_DOC, "日期": APPROVED.isoformat(), "原因": "年初预算批复", "经济分类": what.econ,
             "功能分类": what.func, "是否政府采购": "是" if what.procurement else ""}
            for p in PROJECTS for amount, what in approvals(p)]
    for on, code, amount, doc, reason in ADJUSTMENTS:
        rows.append({"项目编号": code, "类型": "追加" if amount > 0 else "调减", "金额": fmt_yuan(abs(amount)),
                     "资金来源": CURRENT, "文号": doc, "日期": on, "原因": reason})
    return rows


def project_of(code: str) -> DemoProject:
    return next(p for p in PROJECTS if p.code == code)


def register_structure(app, operator: str = OPERATOR) -> None:
    """The department, its projects and its rubric: what imports need to exist first."""
    app.add_department(YEAR, DEPT, DEPT_NAME, staff_quota=STAFF_QUOTA, staff_actual=STAFF_ACTUAL, operator=operator,
                       on=OPENED)
    for p in PROJECTS:
        app.add_project(DEPT, YEAR, p.code, p.name, kind=p.kind, operator=operator, on=OPENED)
    app.adopt_rubric(DEPT, YEAR, builtin_rubric(DEFAULT_PROJECT_RUBRIC), operator=operator, on=OPENED)


def _timeline(bpt: Bpt, operator: str) -> list[tuple[date, Callable[[], object]]]:
    """Every command of the demo year with its effective date; run in date order (stable)."""
    app = bpt.app
    steps: list[tuple[date, Callable[[], object]]] = []
    for p in PROJECTS:
        for amount, what in approvals(p):
            steps.append((APPROVED, lambda p=p, a=amount, w=what: app.approve(
                p.code, YEAR, a, doc=APPROVAL_DOC, on=APPROVED, operator=operator, classification=w)))
    codes: dict[DemoIndicator, str] = {}  # indicator -> its code, filled in when declared
    for ind in INDICATORS:
        steps.append((APPROVED, lambda ind=ind: _declare(app, ind, codes, operator)))
    for on, code, amount, doc, reason in ADJUSTMENTS:
        when = date.fromisoformat(on)
        steps.append((when, lambda c=code, a=amount, d=doc, r=reason, w=when: app.adjust(
            c, YEAR, a, doc=d, on=w, reason=r, operator=operator)))
    for pay in payments():
        steps.append((pay.on, lambda pay=pay: app.pay(pay.project, YEAR, pay.amount, voucher=pay.voucher, on=pay.on,
                                                      source=pay.source, operator=operator, note=pay.note,
                                                      classification=pay.classification)))
    for ind in INDICATORS:
        for on, actual in ind.progress:
            when = date.fromisoformat(on)
            steps.append((when, lambda ind=ind, actual=actual, w=when: _record_actual(app, ind, codes, actual, w,
                                                                                     operator)))
        if ind.grade:
            steps.append((YEAR_END, lambda ind=ind: app.assess(
                ind.project, YEAR, codes[ind], grade=ind.grade, score=ind.score,
                reason=ind.reason, on=YEAR_END, operator=operator)))
    steps.append((MONITOR_AS_OF, lambda: monitor(bpt, YEAR, MONITOR_AS_OF, operator)))
    for code, text in DEVIATIONS:
        steps.append((YEAR_END, lambda c=code, t=text: app.explain_deviation(c, YEAR, "", text=t, on=YEAR_END,
                                                                            operator=operator)))
    for key, value in BASIC_DATA.items():
        steps.append((YEAR_END, lambda k=key, v=value: app.record_basic_data(DEPT, YEAR, k, v, source=DEMO_SOURCE,
                                                                             operator=operator, on=YEAR_END)))
    steps.sort(key=lambda s: s[0])  # stable: same-day commands keep the order above
    return steps


def _declare(app, ind: DemoIndicator, codes: dict, operator: str) -> None:
    target, unit = interpret_target(ind.target, level2=ind.level2)
    codes[ind] = app.add_indicator(
        ind.project, YEAR, level1=ind.level1, level2=ind.level2, name=ind.name, target=target, unit=unit,
        weight=ind.weight, operator=operator, on=APPROVED)


def _record_actual(app, ind: DemoIndicator, codes: dict, actual: str, on: date, operator: str) -> None:
    code = codes[ind]
    if actual == PAID_TO_DATE:
        actual = fmt_yuan(app.project(YEAR, ind.project).figures()["executed"])
    quantitative = app.project(YEAR, ind.project).indicator(code)["target"]["comparison"] != QUALITATIVE
    value = parse_quantity(actual, "实际完成值") if quantitative else None
    app.record_actual(ind.project, YEAR, code, value=value, text=actual, on=on, operator=operator)


def build_demo(bpt: Bpt, operator: str = OPERATOR, progress: Callable[[int, int], None] | None = None) -> dict:
    """Record the demo year into ``bpt``'s (initialised, empty) database; returns what was recorded."""
    app = bpt.app
    if DEPT in app.departments(YEAR):
        raise Refusal("数据库", f"{bpt.db.public_url} 已有 {YEAR} 年度部门 {DEPT}，演示数据只写入空数据库")
    head = app.recorder.max_notification_id() or 0
    register_structure(app, operator)
    steps = _timeline(bpt, operator)
    for done, (_, step) in enumerate(steps, 1):
        step()
        if progress:
            progress(done, len(steps))
    later = build_later_years(bpt, PROJECTS, operator)
    return {"dept": DEPT, "name": DEPT_NAME, "year": YEAR, "later_years": list(LATER),
            "projects": len(PROJECTS), "commands": len(steps) + later,
            "events": (app.recorder.max_notification_id() or 0) - head}


def is_demo(bpt: Bpt) -> bool:
    """True when the database holds the demo department marked by ``DEMO_SOURCE``."""
    try:
        department = bpt.app.department(YEAR, DEPT)
    except Refusal:
        return False
    return any(item["source"] == DEMO_SOURCE for item in department.basic_data.values())


def create_demo(url: str | None, *, fresh: bool, operator: str = OPERATOR,
                progress: Callable[[int, int], None] | None = None) -> dict:
    """``bpt demo``: build the demo into ``url`` (default ./demo.db) without ever touching other data.

    A SQLite file that exists is replaced only with ``fresh`` and only if it is a demo database;
    the new demo is built next to it and moved into place when complete. PostgreSQL: only an
    empty database is used (nothing there is ever deleted).
    """
    db = Database(url or DEFAULT_FILE)
    if db.is_postgres:
        return _create_in_postgres(db, operator, progress)
    path = db.sqlite_path
    if os.path.exists(path):
        if not fresh:
            raise Refusal("数据库", f"{path} 已存在，未做任何改动；重建演示数据请加 --fresh（只替换演示数据库）")
        if not _is_demo_file(path):
            raise Refusal("数据库", f"{path} 不是 bpt 演示数据库，--fresh 不会替换它；请换一个文件名")
    building = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.building-{os.getpid()}")
    _remove(building, ("", *_SIDE_FILES, ".lock"))
    try:
        result = _build_into(Database(building), operator, progress)
        _remove(path, _SIDE_FILES)  # a stale -wal of the old file must not be replayed onto the new one
        os.replace(building, path)
    finally:
        _remove(building, ("", *_SIDE_FILES, ".lock"))
    return {**result, "database": path}


def _create_in_postgres(db: Database, operator: str, progress) -> dict:
    if db.exists():
        bpt = Bpt(db)
        try:
            if bpt.app.recorder.max_notification_id():
                raise Refusal("数据库", f"{db.public_url} 已有数据；演示数据只写入空的 PostgreSQL 数据库（不会删除任何数据）")
        finally:
            bpt.close()
    return {**_build_into(db, operator, progress), "database": db.public_url}


def _build_into(db: Database, operator: str, progress) -> dict:
    init_database(db)
    bpt = Bpt(db)
    try:
        return build_demo(bpt, operator, progress)
    finally:
        bpt.close()


def _is_demo_file(path: str) -> bool:
    db = Database(path)
    try:
        if not db.exists():
            return False
    except sqlite3.DatabaseError:  # not an SQLite file at all: certainly not a demo
        return False
    bpt = Bpt(db)
    try:
        return is_demo(bpt)
    finally:
        bpt.close()



def _remove(path: str, suffixes: tuple[str, ...]) -> None:
    for suffix in suffixes:
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
