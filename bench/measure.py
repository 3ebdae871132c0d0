"""Small measuring helpers shared by the benchmarks: percentiles, a stopwatch, optional functions."""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Stopwatch:
    """``with Stopwatch() as sw: …`` then ``sw.seconds``."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def optional(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` if another helper has written it already, else None ("not yet available").

    Only a missing module or attribute counts as absent: a module that fails to import
    for any other reason is a bug to see, not to hide.
    """
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            return None
        raise
    return getattr(mod, name, None)


def missing(*qualified: str) -> str:
    return "not yet available: " + ", ".join(qualified)
