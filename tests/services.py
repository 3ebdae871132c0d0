"""The machine's real services for integration tests: PostgreSQL, Redis, RabbitMQ.

Under CI=true a missing service fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager

import pytest

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(service: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{service} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: integration services must be present)")
    pytest.skip(message)


def pg_admin_url(dbname: str = "postgres") -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


@contextmanager
def temporary_pg_database(prefix: str = "bpt_test"):
    """A fresh PostgreSQL database, dropped afterwards; yields its URL."""
    import psycopg

    require("PostgreSQL", PG_HOST, PG_PORT)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_admin_url(name)
    finally:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
