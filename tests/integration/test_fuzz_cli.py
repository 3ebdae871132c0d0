"""Fuzzing the real ``bpt`` command line (issue 8): a few dozen subprocesses, nasty inputs.

Every run either exits 0 having recorded something, or exits 2 with exactly one line on
stderr that starts with 错误： and records nothing. Never a traceback, never a partial write.
(Arguments cannot carry NUL: the operating system refuses it before bpt sees it.)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bpt.domain.values import Target
from bpt.projections.audit.integrity import check_chains
from tests.conftest import initialised

Y, OP = 2021, "模糊测试"
NASTY = ["'; DROP TABLE bpt_events; --", "%s", "?", "\\", "\x1b[2J", "\u202e", "\r", "😀", "衡财预〔2021〕35号",
         "-5", "--year", "1e5", "0.001", "26万", "26.5万元", "9" * 40, "-0", "NaN", "Infinity", "２６", "2021-02-30",
         "２０２１-01-01", "2021-13-01", "1900-01-01", "", " ", "a" * 3000]
args = st.one_of(st.sampled_from(NASTY), st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12))
COMMANDS = {  # verb → (argument template, events a success records)
    "pay": (lambda a: ["pay", a[0], a[1], "--voucher", a[2], "--date", a[3], "--note", a[4]], 1),
    "approve": (lambda a: ["approve", a[0], a[1], "--doc", a[2], "--date", a[3]], 1),
    "adjust": (lambda a: ["adjust", a[0], a[1], "--doc", a[2], "--date", a[3], "--reason", a[4]], 1),
    "transfer": (lambda a: ["transfer", a[0], "P02", a[1], "--doc", a[2], "--date", a[3], "--reason", a[4]], 2),
    "reverse": (lambda a: ["reverse", a[0], "--voucher", a[2], "--reason", a[4], "--date", a[3]], 1),
    "record": (lambda a: ["indicator", "record", a[0], "I01", a[1], "--date", a[3]], 1),
    "indicator": (lambda a: ["indicator", "add", a[0], "--level1", a[2], "--level2", a[4], "--name", a[4],
                             "--target", a[1], "--weight", a[3]], 1),
    "dept": (lambda a: ["dept", "add", a[0], a[4], "--staff-quota", a[1]], (2, 3)),
    "project": (lambda a: ["project", "add", "D01", a[0], a[4]], 2),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = str(tmp_path_factory.mktemp("fuzzcli") / "bpt.db")
    bpt = initialised(url)
    app = bpt.app
    app.add_department(Y, "D01", "部门", operator=OP, on=date(Y, 1, 1))
    for code in ("P01", "P02"):
        app.add_project("D01", Y, code, code, operator=OP, on=date(Y, 1, 1))
        app.approve(code, Y, Decimal("100000"), doc="批复", on=date(Y, 1, 2), operator=OP)
    app.pay("P01", Y, Decimal("10"), voucher="V1", on=date(Y, 2, 1), operator=OP)
    app.add_indicator("P01", Y, level1="产出指标", level2="数量指标", name="次数", target=Target.parse(">=5"),
                      unit="次", weight=Decimal(10), operator=OP, on=date(Y, 1, 2))
    yield bpt
    assert check_chains(bpt) == []
    bpt.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(verb=st.sampled_from(sorted(COMMANDS)), project=st.sampled_from(["P01", "P01"]) | args,
       amount=st.sampled_from(["100", "1.5万", "0.01"]) | args, text=args,
       on=st.sampled_from(["2021-03-01"]) | args, more=args)
@example(verb="pay", project="P01", amount="0.001", text="x", on="2021-03-01", more="")
@example(verb="pay", project="P01", amount="1", text="\x1b[31m红", on="2021-03-01", more="")
@example(verb="adjust", project="P01", amount="-1e5", text="d", on="2021-03-01", more="r")
@example(verb="record", project="P01", amount="NaN", text="", on="2021-03-01", more="")
@example(verb="dept", project="D9", amount="9" * 40, text="", on="", more="名称")
@example(verb="transfer", project="P01", amount="99999999999999", text="d", on="2021-03-01", more="r")
def test_cli_refuses_cleanly_or_records(store, bpt, verb, project, amount, text, on, more):
    template, writes = COMMANDS[verb]
    head = store.app.recorder.max_notification_id()
    done = bpt(*template([project, amount, text, on, more]), "--year", str(Y), db=store.db.url)
    grown = store.app.recorder.max_notification_id() - head
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode == 0:
        assert grown in ((writes,) if isinstance(writes, int) else writes), (done.stdout, done.stderr)
    else:
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("错误：") and done.stderr.count("\n") == 1, repr(done.stderr)
        assert grown == 0, done.stderr
