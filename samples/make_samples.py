"""Write the sample import files from the demo year's data (run: .venv/bin/python samples/make_samples.py).

- targets_2021.xlsx: 项目绩效目标申报表 of 党员活动经费 and 市直机关工会工作经费 in seed 002's
  layout (merged 一级/二级 cells, no 分值 column), plus the 部门整体 form, which import skips;
- budget_2021.csv: the year's approvals and adjustments (UTF-8 with BOM, as Excel saves it);
- payments_2021.xlsx: the payment ledger, with a title line and a 合计 line like real exports.

Importing all three into a database holding the demo's department and projects gives the
demo's budget and execution figures; importing them into the demo database records nothing.
"""

from __future__ import annotations

import csv
import sys
from decimal import Decimal
from itertools import groupby
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from bpt.projections.demo.year import DEPT_NAME, INDICATORS, PROJECTS, YEAR, budget_rows, payments, project_of

HERE = Path(__file__).resolve().parent
TARGET_PROJECTS = (  # (code, 总体目标) as seed 002 declares them, in its order
    ("P02", "深入开展“让党中央放心、让人民群众满意的模范机关”创建活动；全面巩固“五化”建设成果，确保 2021 年所有支部达标；"
            "优化机关党建工作考核内容和指标体系，提高考核权重。"),
    ("P01", "丰富机关干部职工文体生活，对困难职工开展慰问帮扶，维护职工的合法权益，组织各机关工会干部业务培训等。"),
)
# seed 002's 申报表 lists these 二级指标 even where it declares nothing under them.
EMPTY_LEVEL2 = {"P01": (("效益指标", "经济效益指标"), ("效益指标", "社会效益指标"))}
DEPARTMENT_TARGETS = (  # seed 002, 附件 3-3 (部门整体), which the targets import skips
    ("产出指标", "数量指标", "机关党务干部培训", "3次"), ("产出指标", "数量指标", "市直机关文体活动", "2次"),
    ("产出指标", "数量指标", "廉政教育", "2次"), ("产出指标", "数量指标", "女干部职工教育培训", "2次"),
    ("产出指标", "时效指标", "按时完成教育培训比率", "100%"), ("产出指标", "成本指标", "教育培训", "30万元"),
    ("效益指标", "社会效益指标", "严肃党内政治生活，深化机关作风建设", "人民满意的模范机关"),
)
HEADER = ("绩效指标", "一级指标", "二级指标", "三级指标", "指标值（包含数字及文字描述）")


def _merge_down(ws, column: int, rows: list[tuple[int, str]]) -> None:
    """Write each run of equal values once, merged downwards, as the forms do."""
    for value, run in groupby(rows, key=lambda r: r[1]):
        numbers = [n for n, _ in run]
        ws.cell(numbers[0], column, value)
        if len(numbers) > 1:
            ws.merge_cells(start_row=numbers[0], start_column=column, end_row=numbers[-1], end_column=column)


def _form_top(ws, title: str, label: str, name: str) -> None:
    for row, text in ((1, title), (2, f"（{YEAR} 年度）"), (3, f"填报单位（盖章）：{DEPT_NAME}"), (4, "金额单位：万元")):
        ws.cell(row, 1, text)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(5, 1, label)
    ws.cell(5, 2, name)
    ws.merge_cells("B5:E5")


def _project_form(ws, code: str, goal: str) -> None:
    project = project_of(code)
    funds = f"{project.initial / 10000:.2f}"
    _form_top(ws, "项目绩效目标申报表", "项目名称", project.name)
    ws.append(("预算单位", DEPT_NAME))
    ws.merge_cells("B6:E6")
    for text in (f"资金总额：{funds}", f"其中：财政拨款：{funds}", "其他资金："):
        ws.append(("项目资金（万元）" if text.startswith("资金总额") else None, text))
        ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=5)
    ws.merge_cells("A7:A9")
    ws.append(("总体目标", "年度目标"))
    ws.append((None, goal))
    ws.merge_cells("A10:A11")
    ws.merge_cells("B10:E10")
    ws.merge_cells("B11:E11")
    ws.append(HEADER)
    first = ws.max_row + 1
    rows = [(i.level1, i.level2, i.name, i.target) for i in INDICATORS if i.project == code]
    for k, (level1, level2) in enumerate(EMPTY_LEVEL2.get(code, ())):
        at = next(n for n, r in enumerate(rows) if r[0] == level1)
        rows.insert(at + k, (level1, level2, "", ""))
    numbered = [(first + n, r) for n, r in enumerate(rows)]
    counter: dict[str, int] = {}
    for number, (_, level2, name, target) in numbered:
        counter[level2] = counter.get(level2, 0) + 1
        shown = f"指标 {counter[level2]}：{name}" if name and level2 == "数量指标" else name
        ws.cell(number, 4, shown or None)
        ws.cell(number, 5, target or None)
    _merge_down(ws, 2, [(n, r[0]) for n, r in numbered])
    _merge_down(ws, 3, [(n, r[1]) for n, r in numbered])
    last = numbered[-1][0]
    ws.merge_cells(start_row=first - 1, start_column=1, end_row=last, end_column=1)
    _form_bottom(ws)


def _form_bottom(ws) -> None:
    ws.append(("预算部门、财政部门审核意见", "（盖章）    年    月    日"))
    ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=5)
    for text in ("填报人：戴玉龙", "联系电话：8866852", f"填报日期：{YEAR}-01-15"):
        ws.append((text,))


def _department_form(ws) -> None:
    _form_top(ws, "部门整体支出绩效目标申报表", "部门名称", DEPT_NAME)
    ws.append(HEADER)
    for row in DEPARTMENT_TARGETS:
        ws.append((None, *row))
    _form_bottom(ws)


def write_targets(path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for code, goal in TARGET_PROJECTS:
        _project_form(wb.create_sheet(project_of(code).name), code, goal)
    _department_form(wb.create_sheet("部门整体"))
    for ws in wb.worksheets:
        for column, width in zip("ABCDE", (18, 12, 18, 40, 36), strict=True):
            ws.column_dimensions[column].width = width
    wb.save(path)


def write_budget(path: Path) -> None:
    names = {p.code: p.name for p in PROJECTS}
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("项目编号", "项目名称", "类型", "金额", "资金来源", "文号", "日期", "原因", "经济科目编码",
                         "功能科目编码", "是否政府采购"))
        for row in budget_rows():
            writer.writerow((row["项目编号"], names[row["项目编号"]], row["类型"], row["金额"], row["资金来源"],
                             row["文号"], row["日期"], row["原因"], row.get("经济分类", ""), row.get("功能分类", ""),
                             row.get("是否政府采购", "")))


def write_payments(path: Path) -> None:
    names = {p.code: p.name for p in PROJECTS}
    wb = Workbook()
    ws = wb.active
    ws.title = "支出台账"
    ws.append((f"{DEPT_NAME} {YEAR} 年度支出台账",))
    ws.merge_cells("A1:J1")
    ws.append(("项目编号", "项目名称", "凭证号", "日期", "金额（元）", "资金来源", "摘要", "经济科目", "功能科目", "政府采购"))
    rows = payments()
    for pay in rows:
        what = pay.classification
        ws.append((pay.project, names[pay.project], pay.voucher, pay.on, pay.amount, pay.source, pay.note,
                   what.econ or None, what.func or None, "是" if what.procurement else None))
        ws.cell(ws.max_row, 4).number_format = "yyyy-mm-dd"
        ws.cell(ws.max_row, 5).number_format = "#,##0.00"
    ws.append(("合计", None, None, None, sum((p.amount for p in rows), Decimal(0))))
    for column, width in zip("ABCDEFGHIJ", (10, 26, 16, 12, 14, 14, 40, 10, 10, 8), strict=True):
        ws.column_dimensions[column].width = width
    wb.save(path)


def main(directory: Path = HERE) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    write_targets(directory / "targets_2021.xlsx")
    write_budget(directory / "budget_2021.csv")
    write_payments(directory / "payments_2021.xlsx")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
