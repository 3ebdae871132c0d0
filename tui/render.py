"""Plain-terminal rendering of CLI output with rich (tables with Chinese headings)."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.table import Table

WARNING_WORDS = {"red": "落后", "yellow": "偏慢", "green": "正常"}


def to_text(renderable) -> str:
    buf = StringIO()
    Console(file=buf, width=160, force_terminal=False).print(renderable)
    return buf.getvalue().rstrip()


def _table(title: str, headings: tuple[str, ...], right: tuple[str, ...]) -> Table:
    t = Table(title=title)
    for h in headings:
        t.add_column(h, justify="right" if h in right else "left")
    return t


def status_table(doc: dict) -> str:
    numbers = ("年初预算数", "全年预算数", "执行数", "执行率", "序时进度", "得分")
    t = _table(f"{doc['year']} 年度预算执行（截至 {doc['as_of']}）",
               ("部门", "项目", "名称", *numbers[:5], "预警", "得分", "等次"), numbers)
    for r in doc["projects"]:
        t.add_row(r["dept"], r["project"], r["name"], r["initial_budget"], r["adjusted_budget"], r["executed"],
                  r["execution_rate"] or "-", r["time_progress"], WARNING_WORDS[r["warning"]],
                  r.get("total_score") or "-", r.get("grade") or "-")
    return to_text(t)


def projections_table(doc: dict) -> str:
    t = _table(f"视图进度（事件库最新位置 {doc['head']}）", ("视图", "位置", "落后事件位置数"), ("位置", "落后事件位置数"))
    for v in doc["views"]:
        t.add_row(v["view"], str(v["position"]), str(v["behind"]))
    return to_text(t)
