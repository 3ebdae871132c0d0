"""Who did what: every event names its operator, and ``bpt history`` filters by operator and
date exactly (issue 8). Recorded through the real CLI, as three different people."""

from __future__ import annotations

import json

from bpt.projections.store.database import Database
from bpt.projections.audit.integrity import check_chains
from bpt.projections.store.service import Bpt

Y = "2021"


def test_every_event_names_its_operator_and_history_filters_by_it(db_url, bpt):
    def run(*args, operator=None):
        done = bpt(*args, "--year", Y, *(["--operator", operator] if operator else []), db=db_url,
                   env={"BPT_OPERATOR": "默认经办人"})
        assert done.returncode == 0, done.stderr
        return done

    assert bpt("init", db=db_url).returncode == 0
    run("dept", "add", "D01", "市直工委", "--date", "2021-01-01", operator="管理员")
    run("project", "add", "D01", "P01", "工会经费", "--date", "2021-01-01", operator="管理员")
    run("approve", "P01", "26万", "--doc", "衡财预〔2021〕1号", "--date", "2021-01-10", operator="王会计")
    run("pay", "P01", "1000", "--voucher", "记-1", "--date", "2021-03-01", operator="王会计")
    run("pay", "P01", "2000", "--voucher", "记-2", "--date", "2021-06-15", operator="李出纳")
    run("adjust", "P01", "-4万", "--doc", "衡财预〔2021〕35号", "--date", "2021-07-01", "--reason", "压减")  # default
    run("reverse", "P01", "--voucher", "记-1", "--reason", "重复支付", "--date", "2021-08-01", operator="王会计")

    def history(*filters) -> list[dict]:
        return json.loads(run("history", "--json", *filters).stdout)["events"]

    everything = history()
    assert all(e["operator"] for e in everything)
    assert {e["operator"] for e in everything} == {"管理员", "王会计", "李出纳", "默认经办人"}
    wang = history("--operator", "王会计")
    assert [(e["type"], e["effective_date"]) for e in wang] == [
        ("Approved", "2021-01-10"), ("Paid", "2021-03-01"), ("PaymentReversed", "2021-08-01")]
    assert [e["type"] for e in history("--operator", "默认经办人")] == ["Decreased"]
    assert history("--operator", "无此人") == []
    since = history("--since", "2021-06-15")
    assert [(e["type"], e["operator"]) for e in since] == [
        ("Paid", "李出纳"), ("Decreased", "默认经办人"), ("PaymentReversed", "王会计")]
    assert [e["voucher"] for e in history("--since", "2021-06-15", "--operator", "王会计")] == ["记-1"]
    positions = [e["position"] for e in everything]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    refused = bpt("history", "--since", "2021-13-01", "--year", Y, db=db_url)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1

    # The operator is part of what the hash chain protects.
    store = Bpt(Database(db_url))
    assert check_chains(store) == []
    store.close()
