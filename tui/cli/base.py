"""The ``bpt`` command line: the root group, shared options and the one-line error contract.

Start-up: ``bpt --help`` imports the verb modules, so they import only click and light domain
values at the top; storage, eventsourcing, rich, the renderers and textual load inside the verb
that uses them (``Lazy``/``LazyChoice`` for a default or choices that live in a heavy module).
tests/unit/test_cli_startup.py keeps it so; bench/cli_startup.py measures it.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from bpt.domain.refusal import Refusal, Unavailable
from bpt.tui.cli.help import Group

if TYPE_CHECKING:
    from bpt.projections.store.service import Bpt


class Lazy:
    """A value that lives in a heavy module, named ``"module:attribute"``, read on first use: as a
    click default it is called, in ``--help`` it shows as ``str``; ``bpt --help`` never reads it."""

    def __init__(self, spec: str) -> None:
        self.module, self.attribute = spec.split(":")

    def __call__(self) -> Any:
        return getattr(importlib.import_module(self.module), self.attribute)

    def __str__(self) -> str:
        return str(self())


class LazyChoice(click.Choice):
    """``click.Choice`` over the keys/items of ``Lazy(spec)``, read when a verb parses or shows help."""

    def __init__(self, spec: str) -> None:
        self._values = Lazy(spec)
        super().__init__(())

    @property
    def choices(self) -> tuple:
        return tuple(self._values())

    @choices.setter
    def choices(self, _: Any) -> None:  # click.Choice.__init__ assigns (); the values are _values
        pass


def session(ctx: click.Context) -> Bpt:
    """The database handle of this invocation: a verb's ``--db`` wins over the group's."""
    from bpt.projections.store.database import Database
    from bpt.projections.store.service import Bpt

    root = ctx.find_root()
    db = ctx.params.get("db") or root.params.get("db")
    if not isinstance(root.obj, Bpt) or (db and root.obj.db.url != Database.from_option(db).url):
        root.obj = Bpt(db)
    return root.obj


def db_option(f):
    return click.option("--db", "db", default=None, help="数据库地址（默认 BPT_DATABASE_URL 或 ./bpt.db）")(f)


def year_option(f):
    return click.option("--year", type=int, default=lambda: date.today().year, show_default="当年",
                        help="预算年度")(f)


def operator_option(f):
    return click.option("--operator", default=None, help="经办人（默认 BPT_OPERATOR；仅 SQLite 上再退而用系统用户）")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 文档")(f)


def operator_of(value: str | None) -> str:
    """``--operator``, else ``BPT_OPERATOR``; the OS account only on the embedded SQLite file: on
    PostgreSQL (many people, one server) who records must be said, never guessed."""
    if value:
        return value
    ctx = click.get_current_context(silent=True)
    if ctx is not None and not os.environ.get("BPT_OPERATOR") and session(ctx).db.is_postgres:
        raise Refusal("--operator", "PostgreSQL 上必须给出经办人（--operator 或环境变量 BPT_OPERATOR），不使用系统用户")
    from bpt.domain.application import default_operator

    return default_operator()


def echo_json(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bpt", message="bpt %(version)s", help="显示版本并退出。")
@db_option
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """bpt：预算执行与绩效自评（事件溯源）。"""
    # The database handle is made by session(), in the verb that reads or records: a verb's
    # --help runs this group first and needs none.


def main(argv: list[str] | None = None) -> None:
    """Entry point and the CLI's error boundary: every failure is one line on stderr, exit 2 for
    refused input, 3 for a service or file unavailable, 1 for an internal error (its traceback
    goes to a log file the line names; projections/store/failure.py)."""
    try:
        _main(argv)
    except (KeyboardInterrupt, click.Abort):
        click.echo("已取消", err=True)
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 - the boundary: nothing escapes as a traceback
        from bpt.projections.store.failure import describe

        failure = describe(error, _url_of(argv))
        click.echo(f"错误：{failure.line}", err=True)
        sys.exit(failure.code)


def _url_of(argv: list[str] | None) -> str:
    """The database URL this invocation used (for messages that must not show its password)."""
    from bpt.projections.store.database import Database

    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--db" and i + 1 < len(args):
            return Database.from_option(args[i + 1]).url
        if arg.startswith("--db="):
            return Database.from_option(arg.removeprefix("--db=")).url
    return Database.from_option(None).url


def _main(argv: list[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="bpt", standalone_mode=False)
    except Unavailable as unavailable:
        click.echo(f"错误：{unavailable}", err=True)
        sys.exit(3)
    except Refusal as refusal:
        click.echo(f"错误：{refusal}", err=True)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as e:
        click.echo(e.ctx.get_help())
        sys.exit(0)
    except click.MissingParameter as e:
        name = e.param.opts[0] if e.param is not None and getattr(e.param, "opts", None) else (e.param_hint or "")
        click.echo(f"错误：{name}：缺少必填项", err=True)
        sys.exit(2)
    except click.BadParameter as e:
        name = e.param.opts[0] if e.param is not None and getattr(e.param, "opts", None) else (e.param_hint or "")
        click.echo(f"错误：{name}：{e.message}", err=True)
        sys.exit(2)
    except click.UsageError as e:
        where = f"{e.ctx.command_path}：" if e.ctx else ""
        click.echo(f"错误：{where}{e.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"错误：{e.format_message()}", err=True)
        sys.exit(e.exit_code)
