"""Report files for the reports job: one per (department, year, snapshot, format).

A file's name says which snapshot it shows (or, for live figures, the event-store position
they were computed at), so a repeated job finds the file and writes nothing. A file appears
whole or not at all: the renderers write a temporary file next to it and rename it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from bpt.domain.refusal import Refusal
from bpt.projections.reports.render_docx import write_docx
from bpt.projections.reports.render_md import render_md
from bpt.projections.reports.render_xlsx import write_xlsx
from bpt.projections.reports.body import build_report
from bpt.projections.reports.layout import save_atomically
from bpt.projections.store.service import Bpt

FORMATS = ("json", "md", "xlsx", "docx")


def _write_text(text: str, path: str) -> None:
    save_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


WRITERS: dict[str, Callable[[dict, str], None]] = {
    "json": lambda report, path: _write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", path),
    "md": lambda report, path: _write_text(render_md(report), path),
    "xlsx": write_xlsx,
    "docx": write_docx,
}


def report_name(report: dict, fmt: str) -> str:
    """``<year>-<dept>-<snapshot id>.<fmt>``, or ``…-live-p<position>.<fmt>`` before any close."""
    tag = report["snapshot"] or f"live-p{report['position']}"
    return re.sub(r"[^\w.-]", "_", f"{report['year']}-{report['dept']}-{tag}") + f".{fmt}"


def write_reports(bpt: Bpt, year: int, out_dir: str, dept: str | None = None, formats: tuple[str, ...] = FORMATS,
                  progress: Callable[[int, int], None] | None = None) -> dict:
    """Write each department's report (one department, or every one of the year) into ``out_dir``.

    Returns ``{"out_dir", "written": [file names], "existing": [file names]}``.
    """
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise Refusal("格式", f"不支持的报告格式：{'、'.join(unknown)}（可选 {'、'.join(FORMATS)}）")
    if dept:
        bpt.app.department(year, dept)  # refuses an unknown department before anything is written
    depts = [dept] if dept else bpt.app.departments(year)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    existing: list[str] = []
    for done, code in enumerate(depts, start=1):
        report = build_report(bpt, code, year)
        for fmt in formats:
            path = out / report_name(report, fmt)
            if path.exists():
                existing.append(path.name)
            else:
                WRITERS[fmt](report, str(path))
                written.append(path.name)
        if progress:
            progress(done, len(depts))
    return {"out_dir": str(out), "written": written, "existing": existing}
