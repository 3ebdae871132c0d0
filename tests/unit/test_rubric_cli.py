"""``bpt rubric check FILE`` / ``bpt rubric show [NAME]`` (the group, before the lead registers it)."""

import json
import subprocess
import sys
from importlib import resources

from click.testing import CliRunner

from bpt.domain.rubric import DEFAULT_PROJECT_RUBRIC, builtin_rubric
from bpt.tui.cli.rubric import rubric

DEPT_FILE = str(resources.files("bpt.domain.rubric") / "builtin" / "dept-datonghu-2023.toml")


def run(*args):
    return CliRunner().invoke(rubric, list(args))


def test_check_prints_a_short_summary():
    r = run("check", DEPT_FILE)
    assert r.exit_code == 0, r.output
    expected = builtin_rubric("dept-datonghu-2023")
    assert "dept-datonghu-2023" in r.stdout
    assert "department" in r.stdout
    assert "指标数：17" in r.stdout
    assert "总分：100" in r.stdout
    assert expected.content_hash in r.stdout


def test_check_refuses_an_unsafe_formula_with_one_line_naming_line_and_field(tmp_path):
    text = builtin_rubric("dept-datonghu-2023").text.replace(
        'value = "staff_actual / staff_quota"', 'value = "__import__(\'os\').system(\'ls\')"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.split("\n"), 1) if "__import__" in t)
    r = run("check", str(bad))
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().split("\n")
    assert len(lines) == 1
    assert lines[0].startswith("错误：")
    assert f"第 {line} 行" in lines[0] and "indicators[1].value" in lines[0] and "__import__" in lines[0]


def test_check_refuses_attribute_access_and_unknown_functions(tmp_path):
    base = builtin_rubric(DEFAULT_PROJECT_RUBRIC).text
    for formula, words in (("actual.real", "属性访问"), ("system(actual)", "未知函数“system”")):
        text = base.replace('"if(actual >= target, weight, weight * actual / target)"', f'"{formula}"', 1)
        f = tmp_path / "p.toml"
        f.write_text(text, encoding="utf-8")
        r = run("check", str(f))
        assert r.exit_code == 2
        assert words in r.stderr and '字段 quantitative.">=".score' in r.stderr
        assert len(r.stderr.strip().split("\n")) == 1


def test_check_missing_file_and_toml_syntax(tmp_path):
    r = run("check", str(tmp_path / "none.toml"))
    assert r.exit_code == 2 and "文件不存在" in r.stderr
    f = tmp_path / "s.toml"
    f.write_text('name = "x"\nkind = [\n', encoding="utf-8")
    r = run("check", str(f))
    assert r.exit_code == 2 and "TOML 语法错误" in r.stderr and "第 " in r.stderr


def test_show_defaults_to_the_project_rubric():
    r = run("show")
    assert r.exit_code == 0, r.output
    for words in ("项目支出绩效自评（财预〔2020〕10号）", "预算执行率", "产出指标", "效益指标", "满意度指标",
                  "越高越好", "越低越好", "达成", "部分达成", "未达成", "优", "良", "中", "差"):
        assert words in r.stdout, words


def test_show_a_department_rubric_by_name_and_by_path():
    for arg in ("dept-datonghu-2023", DEPT_FILE):
        r = run("show", arg)
        assert r.exit_code == 0, r.output
        assert "在职人员控制率" in r.stdout and "staff_actual / staff_quota" in r.stdout
        assert "预算配置" in r.stdout and "满意度" in r.stdout


def test_show_json():
    r = run("show", "dept-datonghu-2023", "--json")
    doc = json.loads(r.stdout)
    assert doc["name"] == "dept-datonghu-2023" and doc["kind"] == "department"
    assert doc["hash"] == builtin_rubric("dept-datonghu-2023").content_hash
    assert len(doc["indicators"]) == 17 and doc["indicators"][0]["weight"] == "7"
    project = json.loads(run("show", "--json").stdout)
    assert project["execution"]["weight"] == "10" and set(project["quantitative"]) == {">=", "<=", "="}


def test_show_unknown_name():
    r = run("show", "no-such")
    assert r.exit_code == 2 and "no-such" in r.stderr and len(r.stderr.strip().split("\n")) == 1


def test_error_contract_in_a_real_process(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ntitle = "t"\nkind = "project"\nfoo = 1\n', encoding="utf-8")
    p = subprocess.run([sys.executable, "-c", "from bpt.tui.cli.rubric import rubric; rubric(prog_name='bpt rubric')",
                        "check", str(bad)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.strip().split("\n")) == 1 and p.stderr.startswith("错误：")
