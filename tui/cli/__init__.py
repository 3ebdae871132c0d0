"""The ``bpt`` command line: ``base`` holds the root group, the shared options and the one-line
error contract; each other module is one verb family and registers its verbs on the root group."""

from bpt.tui.cli import imports, projections, record, report, rubric, security, status, tui, workers, years  # noqa: F401
from bpt.tui.cli.base import cli, main

__all__ = ["cli", "main"]
