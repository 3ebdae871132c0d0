"""Installing bpt adds one importable package, ``bpt``, with every module and data file it reads.

A wheel is built from a copy of this checkout (as ``pip install <a clone>`` builds one) and
installed into a fresh venv; the venv borrows the dependencies from the environment running the
tests (a .pth line), never bpt itself. The installed ``bpt`` then runs from another directory:
``init``, ``demo`` and an xlsx report (the rubric TOML files are read as package data).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
MAPPED = CONFIG["package-dir"]  # import name -> folder of the checkout
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "results", "*.db",
                                    "*.db-wal", "*.db-shm", ".pytest_cache", ".hypothesis")
# What the installed code reads that is not Python: shipped rubrics and the TUI's stylesheet.
DATA_FILES = ("domain/rubric/builtin/*.toml", "tui/*.tcss")
# Libraries whose folders the fresh venv borrows (the dependencies of pyproject.toml).
DEPENDENCIES = ("click", "eventsourcing", "psycopg", "psycopg_pool", "dramatiq", "textual", "rich", "openpyxl",
                "xlsxwriter", "docx")


def installed_name(path: Path) -> str:
    """The name inside the wheel of a file of the checkout: the folder's import name as a path."""
    rel = path.relative_to(ROOT).as_posix()
    for name, folder in sorted(MAPPED.items(), key=lambda kv: -len(kv[1])):
        if rel.startswith(folder + "/"):
            return name.replace(".", "/") + rel[len(folder):]
    raise AssertionError(f"{rel} is in no mapped folder")


def shipped_sources() -> set[Path]:
    files = {p for folder in MAPPED.values() for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts}
    return files | {p for pattern in DATA_FILES for p in ROOT.glob(pattern)}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("packaging")
    clone = work / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_COPIED)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                           str(clone)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = (work / "dist").glob("bpt-*.whl")
    return built


def test_pyproject_lists_every_folder_with_an_init():
    found = {installed_name(p).removesuffix("/__init__.py").replace("/", ".")
             for folder in MAPPED.values() for p in (ROOT / folder).rglob("__init__.py")}
    assert found == set(CONFIG["packages"])


def test_the_wheel_holds_one_top_level_package_and_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"bpt", "bpt-0.1.0.dist-info"}
    expected = {installed_name(p) for p in shipped_sources()}
    assert "bpt/domain/rubric/builtin/project-caiyu-2020-10.toml" in expected and "bpt/tui/bpt.tcss" in expected
    assert expected - names == set()
    entry_points = zipfile.ZipFile(wheel).read("bpt-0.1.0.dist-info/entry_points.txt").decode()
    assert "bpt = bpt.tui.cli:main" in entry_points


def test_installed_into_a_fresh_venv_it_runs_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    site_packages = next(env_dir.glob("lib/python*/site-packages"))
    borrowed = sorted({str(Path(importlib.import_module(m).__file__).parent.parent) for m in DEPENDENCIES})
    (site_packages / "deps.pth").write_text("\n".join(borrowed) + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
                           "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    ours = {p.name for p in site_packages.iterdir()} - {"deps.pth"}
    assert ours == {"bpt", "bpt-0.1.0.dist-info"}

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BPT_DATABASE_URL")}
    env["BPT_OPERATOR"] = "打包测试"

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(env_dir / "bin" / "bpt"), *args], cwd=elsewhere, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    where = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import bpt.domain.rubric; print(bpt.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(site_packages), where.stdout + where.stderr
    run("--db", "fresh.db", "init")
    assert (elsewhere / "fresh.db").exists()
    run("demo")  # the demo year in ./demo.db, with the shipped default rubric
    run("--db", "demo.db", "report", "D01", "--year", "2021", "--format", "xlsx", "-o", "D01.xlsx")
    assert zipfile.is_zipfile(elsewhere / "D01.xlsx")
    shown = run("rubric", "show", "--json")
    assert '"name": "project-caiyu-2020-10"' in shown.stdout
