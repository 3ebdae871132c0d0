"""`bpt demo`: the demo year reproduces seed 000, never touches other data, and is rich enough
to show (targets, actuals, assessments, warnings, deviation explanations)."""

import hashlib
import json
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.projections.demo.year import DEMO_SOURCE, OPERATOR, PROJECTS, build_demo, create_demo, is_demo, payments
from bpt.projections.audit.integrity import check_chains
from tests.conftest import REPO, initialised

Y = "2021"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def status(bpt, db) -> dict:
    result = bpt("status", "--year", Y, "--as-of", "2021-12-31", "--json", db=db)
    assert result.returncode == 0, result.stderr
    return {r["project"]: r for r in json.loads(result.stdout)["projects"]}


def test_demo_reproduces_seed000_year_end_figures(bpt, tmp_path):
    result = bpt("demo", cwd=tmp_path)  # default: ./demo.db
    assert result.returncode == 0, result.stderr
    assert "演示数据已生成" in result.stdout
    rows = status(bpt, str(tmp_path / "demo.db"))
    p01, p02 = rows["P01"], rows["P02"]
    assert (p01["adjusted_budget"], p01["executed"], p01["execution_rate"]) == ("220000.00", "154800.00", "0.7036")
    assert (p02["adjusted_budget"], p02["executed"], p02["execution_rate"]) == ("400000.00", "129000.00", "0.3225")
    assert (p01["initial_budget"], p01["decreases"]) == ("260000.00", "40000.00")
    projects = [r for r in rows.values() if r["project"].startswith("P")]
    basic = [r for r in rows.values() if r["project"].startswith("B")]

    def total(key, lines):
        return sum(Decimal(r[key]) for r in lines)

    # 项目支出: 90万 at the start, 调减 to 81万, plus the 35万 追加 for the 市十一运会; 80.1万 executed.
    assert total("initial_budget", projects) == Decimal("900000")
    assert total("initial_budget", projects) - total("decreases", projects) == Decimal("810000")
    assert total("increases", projects) == Decimal("350000") and rows["P07"]["increases"] == "350000.00"
    assert total("executed", projects) == Decimal("801000")
    # 基本支出 449.42万 at the start; the department's 年初预算 539.42万, 年中调整 86.16万 (seed 000).
    assert total("initial_budget", basic) == Decimal("4494200")
    everything = list(rows.values())
    assert total("initial_budget", everything) == Decimal("5394200")
    assert total("adjusted_budget", everything) - total("initial_budget", everything) == Decimal("861600")


def test_demo_never_touches_other_data_without_fresh(bpt, tmp_path):
    demo = tmp_path / "demo.db"
    assert bpt("demo", "--db", str(demo)).returncode == 0
    before = digest(demo)
    again = bpt("demo", "--db", str(demo))
    assert again.returncode == 2
    assert again.stderr.strip() == f"错误：数据库：{demo} 已存在，未做任何改动；重建演示数据请加 --fresh（只替换演示数据库）"
    assert digest(demo) == before
    fresh = bpt("demo", "--db", str(demo), "--fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert status(bpt, str(demo))["P02"]["executed"] == "129000.00"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("demo.db", "demo.db.lock")]
    assert leftovers == []  # the build file was moved into place

    real = tmp_path / "real.db"
    for step in (("init",), ("dept", "add", "D01", "市直工委", "--year", Y)):
        assert bpt(*step, db=str(real)).returncode == 0
    text = tmp_path / "notes.db"
    text.write_text("不是数据库")
    for path in (real, text):
        before = digest(path)
        refused = bpt("demo", "--db", str(path), "--fresh")
        assert refused.returncode == 2
        assert refused.stderr.strip() == f"错误：数据库：{path} 不是 bpt 演示数据库，--fresh 不会替换它；请换一个文件名"
        assert digest(path) == before


def test_the_sample_files_are_the_demo_year(bpt, tmp_path):
    demo = str(tmp_path / "demo.db")
    assert bpt("demo", "--db", demo).returncode == 0
    for kind, name in (("budget", "budget_2021.csv"), ("payments", "payments_2021.xlsx"),
                       ("targets", "targets_2021.xlsx")):
        result = bpt("import", kind, str(REPO / "samples" / name), "--year", Y, "--json", db=demo)
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        assert (doc["recorded"], doc["refused"]) == (0, []) and doc["skipped_duplicates"] > 0


@pytest.fixture
def demo(db_url):
    handle = initialised(db_url)
    summary = build_demo(handle)
    yield handle, summary
    handle.close()


def test_demo_content_on_both_storages(demo):
    handle, summary = demo
    app = handle.app
    assert is_demo(handle)
    assert summary["events"] == app.recorder.max_notification_id()
    department = app.department(2021, "D01")
    assert department.projects == [p.code for p in PROJECTS]
    assert {item["source"] for item in department.basic_data.values()} == {DEMO_SOURCE}
    p01, p02 = app.project(2021, "P01"), app.project(2021, "P02")
    for project in (p01, p02):
        weights = Counter()
        for indicator in project.indicators.values():
            weights[indicator["level1"]] += indicator["weight"]
            assert indicator["actuals"], indicator["name"]  # every target has its actual value
        assert weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
        assert project.execution_deviation  # 执行率 < 90%: explained
    training = next(i for i in p01.indicators.values() if i["name"] == "机关工会干部业务培训" and i["level2"] == "数量指标")
    assert training["target"] == {"comparison": ">=", "value": Decimal(1), "text": "全年不少 1 次"}
    cost = next(i for i in p01.indicators.values() if i["name"] == "总成本")
    assert [(a["date"], a["value"]) for a in cost["actuals"]] == [(date(2021, 6, 30), Decimal("72549.00")),
                                                                 (date(2021, 12, 31), Decimal("154800.00"))]
    assessed = [i for i in p02.indicators.values() if i["assessment"]]
    assert len(assessed) == 6 and all(i["assessment"]["grade"] == "达成" for i in assessed)
    assert p02.warnings == {"2021-07-31": "red"}  # 双监控 at the end of July
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 10_000)]
    assert {e.operator for e in events} == {OPERATOR}
    assert check_chains(handle) == []


def test_demo_goes_only_into_an_empty_postgres_database(pg_url):
    handle = initialised(pg_url)
    handle.app.add_department(2021, "X01", "别的部门", operator="测试员", on=date(2021, 1, 1))
    head = handle.app.recorder.max_notification_id()
    with pytest.raises(Refusal) as e:
        create_demo(pg_url, fresh=True)
    assert e.value.field == "数据库" and "只写入空的 PostgreSQL 数据库" in e.value.message
    assert handle.app.recorder.max_notification_id() == head
    handle.close()


def test_payments_are_deterministic_and_add_up():
    first, second = payments(), payments()
    assert first == second
    assert len({p.voucher for p in first}) == len(first)
    for project in PROJECTS:
        assert sum(p.amount for p in first if p.project == project.code) == project.executed
    assert [p.on for p in first] == sorted(p.on for p in first)


def test_the_demo_forms_write_units_once_and_cost_rows_in_wan(bpt, tmp_path):
    """Prose targets keep their own words (100%执行, not 100%执行%); a 成本指标's actual is in the
    unit its target is written in (26.00万元 against 15.48万元, not 154800.00元)."""
    db = str(tmp_path / "demo.db")
    assert bpt("demo", "--db", db).returncode == 0
    md = bpt("report", "D01", "--year", Y, "--format", "md", db=db)
    assert md.returncode == 0, md.stderr
    rows = [line.split(" | ") for line in md.stdout.splitlines() if line.startswith("|")]
    targets = [r[4] for r in rows if len(r) > 5]
    assert "100%执行" in targets and not [t for t in targets if t.endswith(("%%", "以上%", "执行%"))]
    cost = [(r[4], r[5]) for r in rows if len(r) > 5 and r[2] == "成本指标"]
    assert ("26.00万元", "15.48万元") in cost
    assert cost and all(t.endswith("万元") and a.endswith("万元") for t, a in cost)
