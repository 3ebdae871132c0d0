"""Loading rubric files: the shipped ones, and precise errors (line + field) for broken ones."""

import hashlib
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpt.domain.rubric import (
    DEFAULT_PROJECT_RUBRIC,
    RubricError,
    builtin_rubric,
    builtin_rubric_names,
    load_rubric_file,
    load_rubric_text,
)

D = Decimal
DOCS = Path(__file__).resolve().parents[2] / "docs" / "rubrics.md"

BASE = '''\
name = "t"
title = "测试"
kind = "department"
grades = [
  { grade = "优", min = 90 },
  { grade = "差", min = 0 },
]

[figures]
staff_quota = "编制数"
staff_actual = "实际在职人数"

[[levels]]
name = "投入"
weight = 10
level2 = [ { name = "预算配置", weight = 10 } ]

[[indicators]]
code = "staff"
level1 = "投入"
level2 = "预算配置"
name = "在职人员控制率"
weight = 4
unit = "%"
value = "staff_actual / staff_quota"
rule = "threshold"
direction = "above"
threshold = "100%"
step = "1%"
deduction = 0.2

[[indicators]]
code = "sat"
level1 = "投入"
level2 = "预算配置"
name = "满意度"
weight = 6
value = "staff_actual"
rule = "bands"
bands = [
  { when = "value >= 10", score = 6 },
  { when = "value >= 5", score = 3 },
  { score = 0 },
]
'''


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def load_error(text: str) -> RubricError:
    with pytest.raises(RubricError) as e:
        load_rubric_text(text, "t.toml")
    return e.value


# --- shipped rubrics -------------------------------------------------------------------------

def test_the_shipped_rubrics_load_and_are_named_after_their_files():
    names = builtin_rubric_names()
    assert {"project-caiyu-2020-10", "project-cost-level-2021", "dept-datonghu-2023"} <= set(names)
    for name in names:
        assert builtin_rubric(name).name == name


def test_the_default_project_rubric_is_a_project_rubric():
    assert DEFAULT_PROJECT_RUBRIC in builtin_rubric_names()
    assert builtin_rubric(DEFAULT_PROJECT_RUBRIC).kind == "project"


def test_content_hash_is_the_sha256_of_the_file_bytes():
    for name in builtin_rubric_names():
        data = (resources.files("bpt.domain.rubric") / "builtin" / f"{name}.toml").read_bytes()
        assert builtin_rubric(name).content_hash == hashlib.sha256(data).hexdigest()
    assert load_rubric_text(BASE).content_hash != load_rubric_text(BASE + "# 注释\n").content_hash
    assert load_rubric_text(BASE).text == BASE


def test_default_project_weights_follow_caiyu_2020_10():
    r = builtin_rubric(DEFAULT_PROJECT_RUBRIC)
    assert r.level_weights == {"预算执行率": D(10), "产出指标": D(50), "效益指标": D(30), "满意度指标": D(10)}
    assert r.total == D(100)
    assert r.level("产出指标").level2_names() == ("数量指标", "质量指标", "时效指标", "成本指标")


@pytest.mark.parametrize("total, grade", [
    ("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"), ("59.99", "差"),
    ("0", "差"),
])
def test_grade_thresholds(total, grade):
    assert builtin_rubric(DEFAULT_PROJECT_RUBRIC).grade_for(D(total)) == grade


def test_post_2021_layout_has_cost_as_a_first_level_indicator():
    r = builtin_rubric("project-cost-level-2021")
    assert r.level("成本指标").level2_names() == ("经济成本指标", "社会成本指标", "生态环境成本指标")
    assert "成本指标" not in r.level("产出指标").level2_names()
    assert sum(r.level_weights.values()) == r.total == D(100)


def test_numbers_are_read_as_exact_decimals():
    r = load_rubric_text(BASE)
    assert r.indicator("staff").rule.deduction == D("0.2")
    assert isinstance(r.indicator("staff").rule.deduction, Decimal)
    assert r.indicator("staff").rule.step == D("0.01")  # "1%"


def test_every_complete_example_in_the_docs_loads():
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    complete = [b for b in blocks if b.startswith("# 完整示例")]
    assert len(complete) >= 2
    kinds = {load_rubric_text(b, "docs").kind for b in complete}
    assert kinds == {"project", "department"}


# --- errors name the line and the field ------------------------------------------------------

@pytest.mark.parametrize("formula, words", [
    ("__import__('os').system('rm -rf /')", "下划线"),
    ("staff_actual.__class__", "属性访问"),
    ("os.system(1)", "属性访问"),
    ("eval(staff_actual)", "未知函数“eval”"),
    ("getattr(staff_actual, 1)", "未知函数“getattr”"),
    ("import_quota / 2", "未声明的名称：import_quota"),
])
def test_unsafe_or_unknown_formulas_are_rejected_naming_line_and_field(formula, words):
    text = BASE.replace('value = "staff_actual / staff_quota"', f'value = "{formula}"')
    e = load_error(text)
    assert e.line == line_of(text, formula)
    assert e.field == "indicators[1].value"
    assert words in e.message
    assert f"第 {e.line} 行" in str(e) and "indicators[1].value" in str(e)


def test_an_error_inside_a_multiline_array_names_the_item_line():
    text = BASE.replace('{ when = "value >= 5", score = 3 }', '{ when = "value.real >= 5", score = 3 }')
    e = load_error(text)
    assert e.line == line_of(text, "value.real")
    assert e.field == "indicators[2].bands[2].when"


def test_a_misspelt_key_is_an_error_not_ignored():
    text = BASE.replace("deduction = 0.2", "deduction = 0.2\ntreshold = 1")
    e = load_error(text)
    assert e.line == line_of(text, "treshold")
    assert e.field == "indicators[1].treshold" and "未知字段" in e.message


def test_weights_that_do_not_add_up_are_rejected():
    text = BASE.replace("weight = 4", "weight = 5")
    e = load_error(text)
    assert "预算配置" in e.message and "11" in e.message


def test_toml_syntax_errors_give_the_line():
    text = BASE.replace('title = "测试"', 'title = "测试')
    e = load_error(text)
    assert e.line == line_of(text, 'title = "测试')
    assert "TOML 语法错误" in e.message


@pytest.mark.parametrize("old, new, field, words", [
    ('kind = "department"', 'kind = "dept"', "kind", "project 或 department"),
    ('name = "t"', 'name = "T T"', "name", "小写"),
    ('{ grade = "差", min = 0 }', '{ grade = "差", min = 95 }', "grades[2].min", "从高到低"),
    ('{ grade = "差", min = 0 }', '{ grade = "差", min = 10 }', "grades", "下限须为 0"),
    ('level1 = "投入"\nlevel2 = "预算配置"\nname = "满意度"', 'level1 = "产出"\nlevel2 = "预算配置"\nname = "满意度"',
     "indicators[2].level1", "不在 levels 中"),
    ('rule = "threshold"', 'rule = "magic"', "indicators[1].rule", "magic"),
    ('direction = "above"', 'direction = "up"', "indicators[1].direction", "above"),
    ("deduction = 0.2", "deduction = true", "indicators[1].deduction", "true/false"),
    ("deduction = 0.2", "deduction = inf", "indicators[1].deduction", "有限"),
    ("deduction = 0.2", 'deduction = "x + 1"', "indicators[1].deduction", "未声明"),
    ('step = "1%"', "step = 0", "indicators[1].step", "大于 0"),
    ('{ score = 0 },', '{ when = "value < 5", score = 0 },', "indicators[2].bands[3].when", "最后一档"),
    ('{ when = "value >= 5", score = 3 }', '{ when = "value >= 5", score = 30 }', "indicators[2].bands[2].score",
     "不能大于"),
    ('staff_actual = "实际在职人数"', 'staff_actual = "实际在职人数"\nunused_thing = "x"', "figures", "unused_thing"),
    ('staff_actual = "实际在职人数"', 'staff_actual = "实际在职人数"\n__import__ = "x"', "figures.__import__", "保留字"),
])
def test_field_errors(old, new, field, words):
    text = BASE.replace(old, new)
    assert text != BASE
    e = load_error(text)
    assert e.field == field
    assert words in e.message
    assert e.line is not None


def test_a_project_rubric_needs_all_three_comparisons():
    text = builtin_rubric(DEFAULT_PROJECT_RUBRIC).text
    start = text.index('[quantitative."="]')
    broken = text[:start] + text[text.index("[qualitative]"):]
    e = load_error(broken)
    assert e.field == 'quantitative."="' and "缺少必填字段" in e.message
    assert e.line == line_of(broken, '[quantitative.">="]')  # where the table it belongs in starts


def test_a_project_score_formula_may_only_use_actual_target_weight():
    text = builtin_rubric(DEFAULT_PROJECT_RUBRIC).text.replace(
        'score = "if(actual >= target, weight, weight * actual / target)"',
        'score = "if(actual >= target, weight, weight * budget / target)"', 1)
    e = load_error(text)
    assert e.field == 'quantitative.">=".score' and "budget" in e.message
    assert e.line == line_of(text, "weight * budget")


def test_files_not_utf8_or_missing_are_clean_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'name = "x"\ntitle = "\xff"\n')
    with pytest.raises(RubricError) as e:
        load_rubric_file(bad)
    assert e.value.line == 2 and "UTF-8" in e.value.message
    with pytest.raises(RubricError) as e:
        load_rubric_file(tmp_path / "missing.toml")
    assert "不存在" in e.value.message


def test_unknown_builtin_name():
    with pytest.raises(RubricError) as e:
        builtin_rubric("no-such-rubric")
    assert "no-such-rubric" in e.value.message and DEFAULT_PROJECT_RUBRIC in e.value.message


# --- fuzzing: the loader never crashes, it refuses -------------------------------------------

def _load_or_refuse(text: str) -> None:
    try:
        load_rubric_text(text, "fuzz")
    except RubricError as e:
        assert e.message and "\n" not in str(e)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzzed_text_never_crashes_the_loader(text):
    _load_or_refuse(text)


_SOURCES = [BASE] + [builtin_rubric(n).text for n in builtin_rubric_names()]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_SOURCES), st.data())
def test_mutated_rubrics_never_crash_the_loader(source, data):
    lines = source.split("\n")
    edit = data.draw(st.sampled_from(["drop", "dup", "replace", "insert", "swap-value"]))
    i = data.draw(st.integers(0, len(lines) - 1))
    if edit == "drop":
        del lines[i]
    elif edit == "dup":
        lines.insert(i, lines[i])
    elif edit == "replace":
        lines[i] = data.draw(st.text(max_size=40))
    elif edit == "insert":
        j = data.draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:j] + data.draw(st.text(max_size=10)) + lines[i][j:]
    else:
        if "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            value = data.draw(st.one_of(
                st.sampled_from(['"__import__(1)"', '"a.b"', "-1", "0", '""', "[]", "{}", "true", "nan",
                                 '"1/0"', "1e999", '"min()"', '"value"', "99999999999999", '"100%"']),
                st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"')))
            lines[i] = f"{key}= {value}"
    _load_or_refuse("\n".join(lines))
