"""``bpt tui``: time until the overview shows its rows, on a database with 10,000 projects (Pilot, headless)."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from bench import datasets
from bench.data import OPERATOR, YEAR
from bench.measure import missing, optional
from bench.runner import Context, Result
from bpt.projections.store.service import Bpt

NAME = "tui_overview"
TITLE = "bpt tui overview on 10,000 projects (headless Pilot): time to first rows; scrolling"
TARGET_S = 2.0
DEADLINE_S = 120.0
PAGES = 20


def _projects_shown(app) -> bool:
    """The overview's project table has rows (the department roll-ups alone do not count)."""
    tables = app.screen.query("#projects")
    return bool(tables) and tables.first().row_count > 0


async def _open_and_scroll(app_class, bpt: Bpt) -> tuple[float, float, float]:
    """(seconds until the project table of the overview has rows and has rendered, the process's
    CPU seconds meanwhile — steadier than the wall time on a loaded machine —, ms per page-down)."""
    app = app_class(bpt, YEAR, date(YEAR, 12, 31), OPERATOR, live=False)
    started, cpu = time.perf_counter(), time.process_time()
    async with app.run_test(size=(160, 48)) as pilot:
        while not _projects_shown(app):
            if time.perf_counter() - started > DEADLINE_S:
                raise TimeoutError(f"the overview showed no projects within {DEADLINE_S:g} s")
            await pilot.pause(0.005)
        await pilot.pause()  # let the frame with the rows render
        opened, cpu = time.perf_counter() - started, time.process_time() - cpu
        scrolled = time.perf_counter()
        for _ in range(PAGES):
            await pilot.press("pagedown")
        await pilot.pause()
        per_page = (time.perf_counter() - scrolled) / PAGES * 1000
    return opened, cpu, per_page


def run(ctx: Context) -> list[Result]:
    app_class = optional("bpt.tui.app", "BptApp")
    url = datasets.synthetic(ctx, "postgres")
    if app_class is None or url is None:
        return [Result(NAME, "overview opens", None, "s", target=f"< {TARGET_S:g} s",
                       note=missing(*[n for n, v in (("bpt.tui.app.BptApp", app_class), (datasets.GENERATOR, url)) if v is None]))]
    bpt = Bpt(url)
    try:
        projects = sum(len(bpt.app.department(YEAR, d).projects) for d in bpt.app.departments(YEAR))
        catch_up = optional("bpt.projections.views.runner", "catch_up")
        if catch_up:
            catch_up(bpt)  # the views are current, as the projection process keeps them
        opened, cpu, per_page = asyncio.run(_open_and_scroll(app_class, bpt))
    finally:
        bpt.close()
    return [Result(NAME, f"overview opens, {projects:,} projects", opened, "s", target=f"< {TARGET_S:g} s",
                   met=opened < TARGET_S,
                   note=f"headless run_test, 160×48, until the project table has rows; {cpu:.2f} s of CPU"),
            Result(NAME, "page-down in the overview", per_page, "ms", note=f"mean of {PAGES} key presses")]
