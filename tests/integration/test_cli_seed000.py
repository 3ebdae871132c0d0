"""Seed 000's two project years recorded through the real `bpt` command line."""

import json

import pytest

Y = "2021"


def record_seed000(bpt, db):
    steps = [
        ("init",),
        ("dept", "add", "D01", "中共衡阳市直属机关工作委员会", "--year", Y, "--staff-quota", "30", "--staff-actual", "26"),
        ("project", "add", "D01", "P01", "市直机关工会工作经费", "--year", Y),
        ("project", "add", "D01", "P02", "党员活动经费", "--year", Y),
        ("approve", "P01", "26万", "--year", Y, "--doc", "衡财预〔2021〕1号", "--date", "2021-01-15"),
        ("approve", "P02", "40万元", "--year", Y, "--doc", "衡财预〔2021〕1号", "--date", "2021-01-15"),
        ("adjust", "P01", "-4万", "--year", Y, "--doc", "衡财预〔2021〕35号", "--date", "2021-08-20",
         "--reason", "压减一般性支出"),
        ("pay", "P01", "60000", "--year", Y, "--voucher", "记-0101", "--date", "2021-04-10"),
        ("pay", "P01", "9.48万", "--year", Y, "--voucher", "记-0102", "--date", "2021-10-10"),
        ("pay", "P02", "52000.00", "--year", Y, "--voucher", "记-0201", "--date", "2021-06-30"),
        ("pay", "P02", "77000元", "--year", Y, "--voucher", "记-0202", "--date", "2021-11-30"),
    ]
    for step in steps:
        result = bpt(*step, db=db)
        assert result.returncode == 0, (step, result.stderr)


@pytest.fixture
def seeded(bpt, db_url):
    record_seed000(bpt, db_url)
    return db_url


def test_status_reproduces_seed000_budgets_and_rates(bpt, seeded):
    result = bpt("status", "--year", Y, "--as-of", "2021-12-31", "--json", db=seeded)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    rows = {r["project"]: r for r in doc["projects"]}
    assert rows["P01"]["adjusted_budget"] == "220000.00"
    assert rows["P01"]["decreases"] == "40000.00"
    assert rows["P01"]["executed"] == "154800.00"
    assert rows["P01"]["execution_rate"] == "0.7036"
    assert rows["P02"]["adjusted_budget"] == "400000.00"
    assert rows["P02"]["executed"] == "129000.00"
    assert rows["P02"]["execution_rate"] == "0.3225"
    assert rows["P01"]["time_progress"] == "1.0000"


def test_refusals_print_one_chinese_line_and_record_nothing(bpt, seeded):
    before = json.loads(bpt("status", "--year", Y, "--json", "--as-of", "2021-12-31", db=seeded).stdout)
    cases = [
        (("pay", "P01", "1e5", "--year", Y, "--voucher", "v9", "--date", "2021-05-01"), "金额"),
        (("pay", "P01", "12.345", "--year", Y, "--voucher", "v9", "--date", "2021-05-01"), "金额"),
        (("pay", "P01", "100", "--year", Y, "--voucher", "记-0101", "--date", "2021-05-01"), "凭证号"),
        (("pay", "P01", "100", "--year", Y, "--voucher", "v9", "--date", "2022-01-01"), "日期"),
        (("pay", "P01", "100", "--year", Y, "--voucher", "v9"), "--date"),
        (("pay", "P01", "-100", "--year", Y, "--voucher", "v9", "--date", "2021-05-01"), ""),
        (("adjust", "P02", "-30万", "--year", Y, "--doc", "x", "--date", "2021-05-01", "--reason", "r"), "金额"),
        (("adjust", "P02", "5万", "--year", Y, "--doc", "x", "--date", "2021-05-01", "--reason", "r"), "金额"),
        (("approve", "P01", "26万", "--year", Y, "--doc", "衡财预〔2021〕1号", "--date", "2021-01-15"), "文号"),
        (("approve", "P01", "abc", "--year", Y, "--doc", "d", "--date", "2021-01-15"), "金额"),
        (("approve", "P01", "1", "--year", Y, "--doc", "d", "--date", "2021-01-15", "--source", "别的"), "资金来源"),
        (("pay", "P99", "1", "--year", Y, "--voucher", "v", "--date", "2021-05-01"), "项目"),
    ]
    for args, field in cases:
        result = bpt(*args, db=seeded)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert lines[0].startswith("错误："), lines[0]
        assert field in lines[0], (args, lines[0])
    after = json.loads(bpt("status", "--year", Y, "--json", "--as-of", "2021-12-31", db=seeded).stdout)
    assert after == before


def test_status_as_of_uses_the_effective_date_axis(bpt, seeded):
    july = json.loads(bpt("status", "--year", Y, "--as-of", "2021-07-31", "--json", db=seeded).stdout)
    rows = {r["project"]: r for r in july["projects"]}
    assert rows["P01"]["adjusted_budget"] == "260000.00"  # the 调减 takes effect on 2021-08-20
    assert rows["P01"]["executed"] == "60000.00"
    assert rows["P01"]["time_progress"] == "0.5833"
    assert rows["P02"]["warning"] == "red"  # 13% executed at 58% of the year
