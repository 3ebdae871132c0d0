"""The text of ``bpt dept figures`` (its JSON document as the finance officer reads it)."""

from __future__ import annotations

from bpt.domain.classification import UNCLASSIFIED
from bpt.domain.dept_figures import DECLARED


def figures_text(doc: dict) -> str:
    basic, public, sangong = doc["basic"], doc["public_funds"], doc["sangong"]
    lines = [f"{doc['dept']} {doc['name']}（{doc['year']} 年度，截至 {doc['as_of']}）部门派生数字（元）",
             f"基本支出：年初预算 {basic['initial_budget']}，全年预算 {basic['budget']}，执行 {basic['executed']}"]
    for code, amount in basic["by_econ"].items():
        indent = "    " if len(code) > 3 else "  "
        lines.append(f"{indent}{code} {basic['econ_names'][code]}：执行 {amount}（年初预算 {basic['budget_by_econ'][code]}）")
    lines.append(f"  {UNCLASSIFIED}：执行 {basic['unclassified']}")
    lines.append(f"项目支出：年初预算 {doc['projects']['initial_budget']}，全年预算 {doc['projects']['budget']}，"
                 f"执行 {doc['projects']['executed']}")

    def pair(label: str, p: dict) -> str:
        return f"{label}：预算 {p['budget']}，实际 {p['actual']}"

    lines += [pair("人员经费", doc["personnel"]), pair("公用经费", public),
              pair("  办公经费", public["office"]), pair("  水费、电费、差旅费", public["utilities_travel"]),
              pair("  会议费、培训费", public["meetings_training"]), pair("“三公经费”", sangong)]
    for key, label in (("vehicle_purchase", "公务用车购置"), ("vehicle_running", "公务用车运行维护"),
                       ("overseas", "因公出国（境）"), ("reception", "公务接待")):
        lines.append(pair(f"  {label}", sangong["parts"][key]))
    lines.append(pair("政府采购", doc["procurement"]))
    for name, row in doc["by_income"].items():
        lines.append(f"按收入性质 {name}：年初预算 {row['initial_budget']}，全年预算 {row['budget']}，执行 {row['actual']}")
    for code, row in doc["by_func"].items():
        lines.append(f"功能分类 {code} {row['name']}：执行 {row['actual']}")
    lines.append(f"{UNCLASSIFIED}（无经济分类）执行：{doc['unclassified']}")
    declared = [k for k, o in doc["origin"].items() if o == DECLARED]
    if declared:
        lines.append("填报数（未按经济分类计算）：" + "、".join(f"{doc['labels'].get(k, k)} {doc['figures'][k]}" for k in declared))
    if doc["declared_ignored"]:
        lines.append("已按经济分类计算，不采用填报数：" + "、".join(doc["labels"].get(k, k) for k in doc["declared_ignored"]))
    lines.append(f"口径：{doc['rules']['personnel_actual']}；{doc['rules']['public_actual']}；{doc['rules']['sangong_actual']}")
    return "\n".join(lines)
