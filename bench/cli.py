"""Running the real ``bpt`` command line from a benchmark, timed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.data import OPERATOR
from bench.runner import ROOT


def bpt(url: str, *args: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess, float]:
    """(the finished ``bpt ARGS`` process, its wall time in seconds, interpreter start included)."""
    env = {**os.environ, "BPT_DATABASE_URL": url, "BPT_OPERATOR": OPERATOR}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bpt.tui", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=timeout)
    return done, time.perf_counter() - started
