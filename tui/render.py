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


def status_table(doc: dict) -> str:
    t = Table(title=f"{doc['year']} 年度预算执行（截至 {doc['as_of']}）")
    for h in ("部门", "项目", "名称", "年初预算数", "全年预算数", "执行数", "执行率", "序时进度", "预警", "得分"):
        t.add_column(h, justify="right" if h in ("年初预算数", "全年预算数", "执行数", "执行率", "序时进度", "得分") else "left")
    for r in doc["projects"]:
        t.add_row(r["dept"], r["project"], r["name"], r["initial_budget"], r["adjusted_budget"], r["executed"],
                  r["execution_rate"] or "-", r["time_progress"], WARNING_WORDS[r["warning"]], r.get("total_score") or "-")
    return to_text(t)
