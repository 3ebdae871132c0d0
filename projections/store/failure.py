"""The one error boundary: any exception → an exit code and one Chinese line (issue 24).

Exit codes: 2 the input was refused (``Refusal``); 3 a service or file is unavailable (a
missing or unreachable database, a file that is not a bpt database, a locked SQLite file, a
read-only or full disk, a refused permission, an unreachable broker); 1 an internal error,
whose traceback is written to a log file the line names. The CLI, the TUI and the workers all
describe failures with ``describe``.

Service libraries are recognised through ``sys.modules`` only: an exception of redis, pika or
psycopg can exist only when that library was imported, so nothing is imported here.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from bpt.domain.refusal import Refusal, Unavailable

REFUSED, UNAVAILABLE, INTERNAL = 2, 3, 1
LOG_DIR_ENV = "BPT_LOG_DIR"


@dataclass(frozen=True)
class Failure:
    code: int
    line: str  # without the leading 错误：


def without_password(url: str) -> str:
    """A database or broker URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _is(error: BaseException, module: str, *names: str) -> bool:
    loaded = sys.modules.get(module)
    return loaded is not None and any(isinstance(error, getattr(loaded, n, ())) for n in names)


def _first_line(error: BaseException, url: str | None) -> str:
    text = " ".join(str(error).split())[:200]
    if url:
        text = text.replace(url, without_password(url))
        password = urlsplit(url).password
        if password:
            text = text.replace(password, "***")
    return text or type(error).__name__


def _database(url: str | None) -> str:
    return without_password(url) if url else "数据库"


def _sqlite(error: sqlite3.Error, url: str | None) -> Failure:
    text = str(error).lower()
    where = _database(url)
    if "not a database" in text or "malformed" in text:
        what = f"{where} 不是可用的 SQLite 数据库文件（文件已损坏或属于其他程序）；请检查 --db，或用 bpt init 新建数据库"
    elif "locked" in text or "busy" in text:
        what = f"{where} 正被其他进程锁定；请稍后再试"
    elif "readonly" in text or "read-only" in text:
        what = f"{where} 所在位置只读，无法写入；请检查文件权限或磁盘"
    elif "disk is full" in text or "disk i/o" in text:
        what = f"{where} 所在磁盘已满或出错；请腾出空间后再试"
    elif "unable to open" in text:
        what = f"无法打开 {where}（文件夹不存在或无权限）；请检查 --db"
    elif "no such table" in text or "no such column" in text:
        what = f"{where} 不是 bpt 的数据库，或其结构与本版本不符；请检查 --db 或运行 bpt init"
    else:
        what = f"{where} 不可用（{_first_line(error, url)}）"
    return Failure(UNAVAILABLE, f"数据库：{what}")


def _postgres(error: BaseException, url: str | None) -> Failure:
    text = str(error)
    where = _database(url)
    if "does not exist" in text and "database" in text:
        what = f"{where} 中的数据库不存在；请先创建数据库，再运行 bpt init"
    elif "password authentication failed" in text or "no password supplied" in text:
        what = f"{where} 拒绝了登录（用户名或密码不对）；请检查 --db 中的用户与密码"
    elif "permission denied" in text or getattr(error, "sqlstate", None) == "42501":
        what = f"{where} 拒绝了当前用户的操作（权限不足）；请换用有权限的数据库用户"
    elif "relation" in text and "does not exist" in text:
        what = f"{where} 尚未初始化或不是 bpt 的数据库；请先运行 bpt init"
    else:
        what = f"无法连接 {where}（{_first_line(error, url)}）；请确认 PostgreSQL 正在运行且地址正确"
    return Failure(UNAVAILABLE, f"数据库：{what}")


def _os(error: OSError) -> Failure:
    name = f" {error.filename}" if error.filename else ""
    reasons = {errno.ENOSPC: "磁盘已满，请腾出空间后再试", errno.EROFS: "位于只读文件系统，无法写入",
               errno.EACCES: "无权访问，请检查文件权限", errno.EPERM: "无权访问，请检查文件权限",
               errno.ENOENT: "不存在，请检查路径", errno.EISDIR: "是目录，不是文件",
               errno.ENOTDIR: "所在路径不是文件夹", errno.EDQUOT: "超出磁盘配额，请腾出空间后再试"}
    reason = reasons.get(error.errno, f"无法读写（{error.strerror or type(error).__name__}）")
    return Failure(UNAVAILABLE, f"文件：{name.strip() or '文件'} {reason}")


def classify(error: BaseException, url: str | None = None) -> Failure | None:
    """The failure a service or file caused, or None when it is none of those (an internal error)."""
    for e in _chain(error):
        if isinstance(e, Unavailable):
            return Failure(UNAVAILABLE, str(e))
        if isinstance(e, Refusal):
            return Failure(REFUSED, str(e))
        if isinstance(e, sqlite3.Error):
            return _sqlite(e, url)
        if _is(e, "psycopg", "OperationalError", "InterfaceError", "InsufficientPrivilege") or \
                _is(e, "psycopg_pool", "PoolTimeout"):
            return _postgres(e, url)
        if _is(e, "redis.exceptions", "ConnectionError", "TimeoutError", "AuthenticationError") or \
                _is(e, "pika.exceptions", "AMQPConnectionError", "AMQPChannelError", "StreamLostError") or \
                _is(e, "dramatiq.errors", "BrokerConnectionError"):
            broker = os.environ.get("BPT_BROKER_URL")
            where = without_password(broker) if broker else "消息队列"
            return Failure(UNAVAILABLE, f"消息队列：无法连接 {where}（{_first_line(e, broker)}）；"
                                        "请确认 Redis/RabbitMQ 正在运行，或取消 BPT_BROKER_URL 以内嵌方式运行")
        if isinstance(e, MemoryError):
            return Failure(UNAVAILABLE, "内存：内存不足，操作已中止；未记录任何内容")
    for e in _chain(error):  # an OSError last: drivers wrap theirs
        if isinstance(e, OSError) and e.errno is not None:
            return _os(e)
    return None


def log_internal(error: BaseException) -> str:
    """Write the traceback of an internal error to a new log file; returns its path."""
    folder = os.environ.get(LOG_DIR_ENV) or tempfile.gettempdir()
    path = os.path.join(folder, f"bpt-error-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log")
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(" ".join(sys.argv) + "\n")
            traceback.print_exception(type(error), error, error.__traceback__, file=f)
    except OSError:
        return "（日志无法写入）"
    return path


def describe(error: BaseException, url: str | None = None) -> Failure:
    """Every exception as one line; an internal error also writes its traceback to a log."""
    known = classify(error, url)
    if known is not None:
        return known
    return Failure(INTERNAL, f"内部错误：{type(error).__name__}（{_first_line(error, url)}）；"
                             f"详细信息已写入 {log_internal(error)}，请把该文件交给维护人员")
