"""Broken surroundings, not broken input (issue 24): each is one line on stderr, the documented
exit code (3 a service or file unavailable, 1 internal with a log), no traceback, nothing recorded."""

from __future__ import annotations

import os
import re
import socket

import pytest

from bpt.projections.store.failure import INTERNAL, UNAVAILABLE, describe, without_password
from tests.conftest import initialised
from tests.services import PG_HOST, PG_PORT, require


def _one_line(done, code: int) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (done.returncode, done.stderr)
    assert done.stderr.startswith("错误：") and done.stderr.count("\n") == 1, repr(done.stderr)
    return done.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.parametrize("args", [("status", "--year", "2021"), ("verify",), ("history", "--year", "2021"),
                                  ("pay", "P01", "1", "--year", "2021", "--voucher", "V", "--date", "2021-01-02")])
def test_a_random_bytes_file_as_db_is_one_line_exit_3_and_left_alone(bpt, tmp_path, args):
    path = tmp_path / "random.db"
    content = os.urandom(8192)
    path.write_bytes(content)
    line = _one_line(bpt(*args, db=str(path)), UNAVAILABLE)
    assert "不是可用的 SQLite 数据库文件" in line
    assert path.read_bytes() == content


def test_a_missing_postgres_database_is_named_without_the_password(bpt):
    require("PostgreSQL", PG_HOST, PG_PORT)
    url = f"postgresql://postgres:s3cret@{PG_HOST}:{PG_PORT}/bpt_no_such_db_24"
    for args in (("status", "--year", "2021"), ("pay", "P01", "1", "--voucher", "V", "--date", "2021-01-02",
                                                "--year", "2021")):
        line = _one_line(bpt(*args, db=url), UNAVAILABLE)
        assert "数据库不存在" in line and "s3cret" not in line and "postgres:***@" in line


def test_an_unreachable_postgres_server_on_a_reading_verb(bpt):
    url = f"postgresql://postgres:pw@127.0.0.1:{_closed_port()}/bpt"
    line = _one_line(bpt("status", "--year", "2021", db=url), UNAVAILABLE)
    assert "无法连接" in line and ":pw@" not in line


@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_an_unreachable_broker_in_jobs(bpt, tmp_path, scheme):
    db = str(tmp_path / "bpt.db")
    initialised(db).close()
    broker = f"{scheme}://guest:hidden@127.0.0.1:{_closed_port()}/"
    line = _one_line(bpt("jobs", db=db, env={"BPT_BROKER_URL": broker}), UNAVAILABLE)
    assert line.startswith("错误：消息队列：") and "hidden" not in line


def test_a_database_never_initialised_is_unavailable_and_not_created(bpt, tmp_path):
    missing = tmp_path / "none.db"
    line = _one_line(bpt("status", "--year", "2021", db=str(missing)), UNAVAILABLE)
    assert "尚未初始化" in line and not missing.exists()


def test_an_internal_error_names_a_log_with_the_traceback(tmp_path, monkeypatch, capsys):
    from bpt.tui.cli import cli, main

    @cli.command("boom-for-test")
    def boom() -> None:
        raise RuntimeError("出错了")

    monkeypatch.setenv("BPT_LOG_DIR", str(tmp_path))
    try:
        with pytest.raises(SystemExit) as exited:
            main(["boom-for-test"])
    finally:
        del cli.commands["boom-for-test"]
    assert exited.value.code == INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：内部错误：RuntimeError")
    log = re.search(r"已写入 (\S+?)，", err)[1]
    assert os.path.dirname(log) == str(tmp_path)
    with open(log, encoding="utf-8") as f:
        assert "Traceback" in f.read()


def test_os_errors_are_one_line_naming_the_file():
    full = describe(OSError(28, "No space left on device", "/data/report.json"))
    assert (full.code, full.line) == (UNAVAILABLE, "文件：/data/report.json 磁盘已满，请腾出空间后再试")
    assert without_password("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
    assert without_password("bpt.db") == "bpt.db"
