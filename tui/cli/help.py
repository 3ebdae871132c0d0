"""Help screens in Chinese: click's own words (Usage, Options, [required], default …) translated.

click writes them through its formatter and the help option; a group class hands its command
and context classes down to every verb and sub-group, so each ``--help`` speaks the same.
"""

from __future__ import annotations

import click

# click's fixed words as they appear on a help screen, and what the official forms' users read.
HEADINGS = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数"}
EXTRAS = (("[required]", "[必填]"), ("; required]", "；必填]"), ("[default: ", "[默认："), ("default: ", "默认："),
          ("env var: ", "环境变量："))
HELP_TEXT = "显示本帮助并退出。"


class ChineseHelp(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]..."),
                            prefix if prefix is not None else "用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        # Only the right column: a metavar in Chinese would be twice as wide as click measures it.
        super().write_dl([(term, _replace(text, EXTRAS)) for term, text in rows], col_max, col_spacing)


def _replace(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


class Context(click.Context):
    formatter_class = ChineseHelp


class _ChineseHelpOption:
    context_class = Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option


class Command(_ChineseHelpOption, click.Command):
    pass


class Group(_ChineseHelpOption, click.Group):
    """The root group's class: its verbs are ``Command`` and its sub-groups ``Group``."""

    command_class = Command
    group_class = type  # a sub-group gets this same class
