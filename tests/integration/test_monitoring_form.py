"""The 绩效运行监控表 (issue 17): the worked example, the forecast rules, the judgements as events,
bad input refused with nothing recorded; on SQLite and PostgreSQL through the real CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.ledger import project_id
from bpt.domain.project import ProjectYear
from bpt.domain.values import Target
from bpt.projections.monitoring.form import monitoring_form
from bpt.projections.monitoring.layout import monitoring_grids
from bpt.projections.monitoring.render import monitoring_md
from bpt.projections.store.service import Bpt
from tests.conftest import initialised

YEAR = 2021
JULY = "2021-07-31"
OP = "测试员"


@pytest.fixture
def example(db_url):
    """100万 budget, 30万 paid by 2021-05-01, 20万 on 2021-08-15; an indicator ≥ 10 with actual 4 by July."""
    bpt = initialised(db_url)
    app = bpt.app
    app.add_department(YEAR, "D01", "测试部门", operator=OP, on=date(YEAR, 1, 1))
    app.add_project("D01", YEAR, "P01", "示例项目", operator=OP, on=date(YEAR, 1, 1))
    app.approve("P01", YEAR, Decimal("1000000"), doc="财预〔2021〕1号", on=date(YEAR, 1, 10), operator=OP)
    app.pay("P01", YEAR, Decimal("300000"), voucher="V1", on=date(YEAR, 5, 1), operator=OP)
    app.pay("P01", YEAR, Decimal("200000"), voucher="V2", on=date(YEAR, 8, 15), operator=OP)
    app.add_indicator("P01", YEAR, level1="产出指标", level2="数量指标", name="培训次数", target=Target.parse(">=10"),
                      unit="次", weight=Decimal(50), operator=OP, on=date(YEAR, 1, 2))
    app.add_indicator("P01", YEAR, level1="效益指标", level2="社会效益指标", name="群众评价得分", target=Target.parse(">=90"),
                      unit="分", weight=Decimal(40), operator=OP, on=date(YEAR, 1, 2))
    app.record_actual("P01", YEAR, "I01", value=Decimal(4), text="4", on=date(YEAR, 6, 30), operator=OP)
    app.record_actual("P01", YEAR, "I02", value=Decimal(60), text="60", on=date(YEAR, 6, 30), operator=OP)
    yield db_url, bpt
    bpt.close()


def _events(bpt: Bpt, kind) -> list:
    return [e for e in bpt.app.events.get(project_id(YEAR, "P01")) if isinstance(e, kind)]


def test_the_worked_example_on_the_form(bpt, example):
    db_url, handle = example
    judged = bpt("indicator", "forecast", "P01", "I01", "--year", "2021", "--as-of", JULY, "--value", "8",
                 "--likelihood", "有可能", "--cause", "经费保障", "--action", "追加培训经费", db=db_url)
    assert judged.returncode == 0, judged.stderr
    out = bpt("report", "D01", "--year", "2021", "--form", "monitoring", "--as-of", JULY, "--format", "json", db=db_url)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    (p,) = doc["projects"]
    assert (p["executed"], p["execution_rate"], p["time_progress"], p["warning"]) == (
        "300000.00", "0.3000", "0.5833", "red")
    assert (p["forecast_executed"], p["forecast_execution_rate"], p["forecast_rule"]) == (
        "514285.71", "0.5143", "pace")
    assert "÷ 序时进度 ≈58.33%" in p["forecast_explanation"]
    i01, i02 = p["indicators"]
    assert {k: i01[k] for k in ("code", "name", "target", "actual", "forecast", "likelihood", "cause", "action")} == {
        "code": "I01", "name": "培训次数", "target": "≥10次", "actual": "4次", "forecast": "8",
        "likelihood": "有可能", "cause": "经费保障", "action": "追加培训经费"}
    assert i01["forecast_rule"] == "recorded" and i01["deviation"] is True and i01["forecast_shown"] == "8次"
    # Not recorded, not cumulative (not a 数量指标): the latest value, unjudged.
    assert (i02["forecast"], i02["forecast_rule"], i02["likelihood"]) == ("60", "latest", None)
    # Forecast score: 执行率 51.43% of 10 → 5.14; I01 8/10 of 50 → 40; I02 60/90 of 40 → 26.67.
    assert (p["forecast_total_score"], p["full_marks"], p["points_at_risk"]) == ("71.81", "100.00", "28.19")
    assert doc["summary"]["at_risk"] == [{"project": "P01", "name": "示例项目", "points_at_risk": "28.19"}]

    md = bpt("report", "D01", "--year", "2021", "--form", "monitoring", "--as-of", JULY, "--format", "md", db=db_url)
    assert md.returncode == 0, md.stderr
    for shown in ("项目支出绩效运行监控表", "1-7月执行数", "全年预计执行数", "51.43", "≥10次", "4次", "| 8次 |",
                  "有可能", "经费保障", "追加培训经费", "红色预警"):
        assert shown in md.stdout, shown


def test_pace_forecast_of_a_cumulative_indicator_and_a_recorded_execution_forecast(example):
    db_url, handle = example
    handle.app.forecast_execution("P01", YEAR, as_of=date(YEAR, 7, 31), executed=Decimal("900000"),
                                  reason="下半年集中采购", operator=OP)
    (p,) = monitoring_form(handle, "D01", YEAR, date(YEAR, 7, 31))["projects"]
    assert (p["forecast_executed"], p["forecast_rule"], p["forecast_reason"]) == ("900000.00", "recorded",
                                                                                   "下半年集中采购")
    i01 = p["indicators"][0]
    assert (i01["forecast"], i01["forecast_rule"]) == ("6.86", "pace")  # 4 ÷ 7/12
    # Before the payment of May: nothing executed, nothing recorded at that date.
    (april,) = monitoring_form(handle, "D01", YEAR, date(YEAR, 4, 30))["projects"]
    assert (april["executed"], april["forecast_executed"], april["forecast_rule"]) == ("0.00", "0.00", "pace")


def test_the_form_renders_the_same_cells_in_xlsx_and_docx(bpt, example, tmp_path):
    db_url, handle = example
    for fmt in ("xlsx", "docx"):
        path = tmp_path / f"监控.{fmt}"
        out = bpt("report", "D01", "--year", "2021", "--form", "monitoring", "--as-of", JULY, "--format", fmt,
                  "-o", str(path), db=db_url)
        assert out.returncode == 0, out.stderr
        assert path.stat().st_size > 0
    import openpyxl
    wb = openpyxl.load_workbook(tmp_path / "监控.xlsx")
    assert wb.sheetnames == ["监控汇总", "P01"]
    cells = {str(c.value) for row in wb["P01"].iter_rows() for c in row if c.value is not None}
    grid = monitoring_grids(monitoring_form(handle, "D01", YEAR, date(YEAR, 7, 31)))[1]
    assert {"项目支出绩效运行监控表", "全年预计执行数", "完成目标可能性", "纠偏措施", "≥10次"} <= cells
    assert grid.title in cells


@pytest.mark.parametrize(("args", "field"), [
    (["indicator", "forecast", "P01", "I01", "--as-of", "2022-01-31", "--likelihood", "确定能"], "截至日期"),
    (["indicator", "forecast", "P01", "I01", "--as-of", JULY, "--likelihood", "大概能"], "完成目标可能性"),
    (["indicator", "forecast", "P01", "I01", "--as-of", JULY, "--likelihood", "有可能", "--cause", "天气",
      "--action", "x"], "偏差原因"),
    (["indicator", "forecast", "P01", "I01", "--as-of", JULY, "--likelihood", "完全不可能", "--action", "x"],
     "偏差原因"),
    (["indicator", "forecast", "P01", "I01", "--as-of", JULY, "--likelihood", "完全不可能", "--cause", "其他"],
     "纠偏措施"),
    (["forecast", "P01", "--as-of", JULY, "--executed", "20万"], "全年预计执行数"),
    (["forecast", "P01", "--as-of", "2021-13-01", "--executed", "60万"], "截至日期"),
    (["report", "D01", "--form", "monitoring", "--as-of", "2020-07-31"], "截至日期"),
])
def test_bad_input_gets_one_line_and_records_nothing(bpt, example, args, field):
    db_url, handle = example
    before = len(list(handle.app.events.get(project_id(YEAR, "P01"))))
    out = bpt(*args, "--year", "2021", db=db_url)
    assert out.returncode != 0
    assert out.stderr.strip().startswith(f"错误：{field}"), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert len(list(handle.app.events.get(project_id(YEAR, "P01")))) == before
    assert _events(handle, ProjectYear.IndicatorForecast) == _events(handle, ProjectYear.ExecutionForecast) == []


def test_md_states_the_as_of_and_time_progress(example):
    _, handle = example
    text = monitoring_md(monitoring_form(handle, "D01", YEAR, date(YEAR, 7, 31)))
    assert "数据截至 2021-07-31（生效日期），序时进度 58.33%" in text
