"""Throwaway databases for a benchmark run: a PostgreSQL database or a SQLite file, gone afterwards.

The same approach as the tests' ``temporary_pg_database`` (bench/ does not import tests/).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG_HOST = os.environ.get("BPT_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BPT_BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BPT_BENCH_PG_USER", "postgres")


def pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def _admin():
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True)


@contextmanager
def temporary_pg_database(prefix: str = "bpt_bench") -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (even when its user crashed); yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def temporary_directory() -> Iterator[str]:
    """A scratch directory (SQLite files, CSVs, xlsx) removed afterwards."""
    path = tempfile.mkdtemp(prefix="bpt_bench_")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def temporary_sqlite_database(directory: str) -> Iterator[str]:
    """A fresh SQLite file path in ``directory``; the file, its WAL and its lock file removed afterwards."""
    path = os.path.join(directory, f"bpt_{uuid.uuid4().hex[:12]}.db")
    try:
        yield path
    finally:
        for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
