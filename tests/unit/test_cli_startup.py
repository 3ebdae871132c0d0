"""``bpt --help`` loads only the command line: no storage, driver, renderer, broker or UI library.

The verb modules import those inside the verb that needs them (tui/cli/base.py says how); a
module-level import added to any verb module would show up here. The time it saves is measured
by bench/cli_startup.py, not here.
"""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from bpt.tui.cli import cli

# Third-party libraries only a verb needs, and our own packages below the command line.
HEAVY_LIBRARIES = ("eventsourcing", "psycopg", "psycopg_pool", "sqlite3", "openpyxl", "xlsxwriter", "docx",
                   "textual", "dramatiq", "redis", "pika", "rich")
HEAVY_OURS = ("bpt.projections", "bpt.workers", "bpt.tui.app", "bpt.tui.screens", "bpt.tui.widgets",
              "bpt.tui.render", "bpt.domain.rubric", "bpt.domain.application", "bpt.domain.project",
              "bpt.domain.department")

PROBE = """
import sys
from bpt.tui.cli import main
try:
    main(ARGS)
except SystemExit as exit:
    assert not exit.code, exit.code
sys.stdout.write("\\n".join(sorted(sys.modules)))
"""


def modules_after(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after ``bpt ARGS`` ran in it."""
    done = subprocess.run([sys.executable, "-c", PROBE.replace("ARGS", repr(list(args)))], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("\n"))


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules
            if m.split(".")[0] in HEAVY_LIBRARIES or any(m == h or m.startswith(h + ".") for h in HEAVY_OURS)}


def test_bpt_help_imports_no_heavy_module():
    modules = modules_after("--help")
    assert "bpt.tui.cli.report" in modules  # every verb module was imported: --help lists them all
    assert heavy(modules) == set()


def test_a_verb_family_help_imports_no_heavy_module_either():
    # ``bpt report --help`` and the groups list options only; no choice or default of theirs is heavy
    for args in (("report", "--help"), ("rubric", "--help"), ("jobs", "send", "--help"), ("import", "--help")):
        assert heavy(modules_after(*args)) == set(), args


def test_a_verb_loads_what_it_needs():
    # the probe sees the imports: ``rubric show`` reads the rubric package and renders with rich
    modules = modules_after("rubric", "show", "--json")
    assert {"bpt.domain.rubric.loader", "bpt.domain.rubric.model"} <= modules
    assert "psycopg" not in modules and "textual" not in modules


def test_choices_and_defaults_read_late_are_the_heavy_modules_values():
    from bpt.domain.department import BASIC_DATA
    from bpt.domain.rubric.loader import DEFAULT_PROJECT_RUBRIC
    from bpt.projections.views.runner import BATCH_SIZE, REBUILD_BATCH_SIZE

    def joined(*args: str) -> str:  # the help text without the line breaks of its wrapping
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, result.output
        return "".join(result.output.split())

    assert "PROJECT|DEPTFIGURE" in joined("explain")  # a project's figure or a department's derived one
    assert "{" + "|".join(BASIC_DATA) + "}" in joined("dept", "data")
    assert f"[默认：{REBUILD_BATCH_SIZE};x>=1]" in joined("projections", "rebuild")
    assert f"[默认：{BATCH_SIZE};x>=1]" in joined("projections", "run")
    runner = CliRunner()
    # a lazy argument default is the value itself once the verb runs
    shown = runner.invoke(cli, ["rubric", "show", "--json"])
    assert shown.exit_code == 0, shown.output
    assert f'"name": "{DEFAULT_PROJECT_RUBRIC}"' in shown.output
    refused = runner.invoke(cli, ["explain", "P1", "no_such_figure"])
    # the figure is checked, and the choices listed, when the verb runs (a department's figures are free text)
    assert type(refused.exception).__name__ == "Refusal" and "executed" in str(refused.exception)


def test_every_verb_has_working_help():
    import click

    def paths(group: click.Group, prefix: tuple[str, ...]):
        for name, command in group.commands.items():
            yield (*prefix, name)
            if isinstance(command, click.Group):
                yield from paths(command, (*prefix, name))

    runner = CliRunner()
    found = list(paths(cli, ()))
    assert len(found) > 30
    for path in found:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and result.output.startswith("用法："), (path, result.output)
