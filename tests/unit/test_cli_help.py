"""Every help screen speaks Chinese: click's own words translated on every verb and sub-verb."""

from importlib.metadata import version

import click
from click.testing import CliRunner

from bpt.tui.cli import cli

ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message and exit", "[required]", "default:")


def every_command(group: click.Group, path: tuple[str, ...] = ()):
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))
        else:
            yield (*path, name)


def test_every_help_screen_is_in_chinese():
    runner, seen = CliRunner(), 0
    for path in every_command(cli):
        result = runner.invoke(cli, [*path, "--help"], prog_name="bpt")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith(f"用法：bpt {' '.join(path)}".rstrip()), path
        assert "选项：" in result.output and "显示本帮助并退出。" in result.output, path
        assert not [w for w in ENGLISH if w in result.output], (path, result.output)
        seen += 1
    assert seen > 30  # every verb, not just the root
    pay = runner.invoke(cli, ["pay", "--help"]).output
    assert "[必填]" in pay and "[默认：当年财政拨款]" in pay


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output == f"bpt {version('bpt')}\n"
