"""The 绩效运行监控表 in the self-assessment's file formats: md here, xlsx and docx through the
reports' renderers (imported on use: openpyxl-class libraries are slow to import)."""

from __future__ import annotations

from decimal import Decimal

from bpt.domain.money import fmt_percent
from bpt.projections.monitoring.layout import monitoring_grids
from bpt.projections.reports.layout import save_atomically
from bpt.projections.reports.render_md import grid_md


def monitoring_md(form: dict, unit: str = "万元") -> str:
    head = (f"# {form['dept_name']} {form['year']} 年度绩效运行监控表\n\n"
            f"数据截至 {form['as_of']}（生效日期），序时进度 {fmt_percent(Decimal(form['time_progress']))}。")
    return "\n\n".join([head, *(grid_md(g) for g in monitoring_grids(form, unit))]) + "\n"


def write_monitoring(form: dict, path: str, fmt: str, unit: str = "万元") -> None:
    """Write the form as ``xlsx`` or ``docx`` to ``path`` (atomically)."""
    tables = monitoring_grids(form, unit)
    if fmt == "xlsx":
        from bpt.projections.reports.render_xlsx import write_workbook
        save_atomically(path, lambda tmp: write_workbook(tmp, tables))
    else:
        from bpt.projections.reports.render_docx import write_tables_docx
        write_tables_docx(tables, path)
