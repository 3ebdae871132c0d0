"""The self-assessment as Markdown: one pipe table per official table (merged cells shown once)."""

from __future__ import annotations

from bpt.projections.reports.layout import Grid, grids


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def grid_md(g: Grid) -> str:
    covered = g.covered()
    visible = [[cell if (r, c) not in covered else "" for c, cell in enumerate(row)] for r, row in enumerate(g.rows)]
    lines = [f"## {g.title}", "", f"{g.subtitle}　　{g.unit_note}", ""]
    lines.append("| " + " | ".join(_cell(c) for c in visible[0]) + " |")
    lines.append("|" + "---|" * len(g.widths))
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in visible[1:]]
    lines += [""] + [f"> {n}" for n in g.notes]
    return "\n".join(lines)


def render_md(report: dict, unit: str = "万元") -> str:
    head = (f"# {report['dept_name']} {report['year']} 年度绩效自评（{report['status']}）\n\n"
            f"总分 {report['total_score']}，评价等次 {report['grade']}。{report['total_rule']}。")
    gaps = ["", "尚不能出具：", *[f"- {g}" for g in report["gaps"]]] if report["gaps"] else []
    return "\n\n".join([head + "\n".join(gaps), *(grid_md(g) for g in grids(report, unit))]) + "\n"
