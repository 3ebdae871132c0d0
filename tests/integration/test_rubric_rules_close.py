"""A locality's own rubric through ``bpt close`` (issue 20): its execution formula and its over-achievement
flag score the snapshot, the flag 目标设定偏低 needs a deviation explanation, and the report JSON, the forms
and the indicator rows the TUI shows all carry it. Runs on SQLite and on the machine's PostgreSQL."""

import hashlib
from datetime import date
from importlib import resources

import pytest

from bpt.domain.refusal import Refusal
from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, load_rubric_text
from bpt.domain.rubric.project import OVERACHIEVED
from bpt.projections.reports.body import build_report, issued
from bpt.projections.reports.layout import grids
from bpt.projections.reports.snapshots import close
from bpt.projections.views.queries import indicator_rows
from bpt.tui.screens.detail import indicator_cells
from bpt.tui.widgets.cells import clip
from tests.seed000 import DEPT, OPERATOR, YEAR, open_seeded

DEFAULT_TEXT = (resources.files("bpt.domain.rubric") / "builtin" / f"{DEFAULT_PROJECT_RUBRIC}.toml").read_text("utf-8")
# The default rules, with the execution score truncated to one decimal and 150% over target flagged.
LOCAL_TEXT = (DEFAULT_TEXT.replace('name = "project-caiyu-2020-10"', 'name = "project-local-trunc"')
              .replace('rule = "proportional"\ncap = "100%"', 'rule = "formula"\nscore = "trunc(weight * min(rate, 1), 1)"')
              .replace('[quantitative.">="]', '[quantitative]\noverachievement = "150%"\n\n[quantitative.">="]', 1))


@pytest.fixture
def seeded(db_url):
    handle = open_seeded(db_url)
    yield handle
    handle.close()


def test_an_adopted_local_rubric_scores_the_snapshot_and_its_flag_needs_an_explanation(seeded):
    local = load_rubric_text(LOCAL_TEXT, "local.toml")
    assert local.content_hash == hashlib.sha256(LOCAL_TEXT.encode("utf-8")).hexdigest()
    assert seeded.app.adopt_rubric(DEPT, YEAR, local, operator=OPERATOR)
    # P01 文体活动: target ≥30%, actual 100% (seed 000) — far above: 目标设定偏低, no explanation yet.
    with pytest.raises(Refusal) as refused:
        close(seeded, DEPT, YEAR, operator=OPERATOR)
    message = str(refused.value)
    assert f"P01 I03（文体活动）{OVERACHIEVED}（实际完成值 100%，年度指标值 ≥30%），缺少偏差原因分析" in message
    assert "1 处缺口" in message
    assert issued(seeded, DEPT, YEAR) == []

    rows = {r["code"]: r for r in indicator_rows(seeded, YEAR, "P01")}
    assert rows["I03"]["flags"] == [OVERACHIEVED] and rows["I02"]["flags"] == []

    seeded.app.explain_deviation("P01", YEAR, "I03", text="年初按上年参与率申报，目标偏保守，次年上调。",
                                 on=date(YEAR, 12, 31), operator=OPERATOR)
    close(seeded, DEPT, YEAR, operator=OPERATOR)
    [snapshot] = issued(seeded, DEPT, YEAR)
    assert (snapshot.event.rubric, snapshot.event.rubric_hash) == ("project-local-trunc", local.content_hash)
    p01 = next(p for p in snapshot.event.figures["projects"] if p["project"] == "P01")
    # 154800 / 220000 = 70.36%: trunc(7.036…, 1) = 7.0, where the default rubric gives 7.04.
    assert p01["execution_score"] == "7.00" and "trunc(10 × min(" in p01["execution_explanation"]
    # ``flags`` is there only when an indicator has any (older bodies re-derive unchanged).
    assert {i["code"]: i["flags"] for i in p01["indicators"] if "flags" in i} == {"I03": [OVERACHIEVED]}

    report = build_report(seeded, DEPT, YEAR)
    [form] = [g for g in grids(report) if g.key == "P01"]
    cells = [c for row in form.rows for c in row]
    shown = f"【{OVERACHIEVED}】年初按上年参与率申报，目标偏保守，次年上调。"
    assert shown in cells
    # The TUI's indicator table shows the same text in its 偏差原因分析 column.
    row = next(r for r in indicator_rows(seeded, YEAR, "P01") if r["code"] == "I03")
    assert indicator_cells(row)[-1].plain == clip(shown, 30) and clip(shown, 30).startswith(f"【{OVERACHIEVED}】")
