#!/usr/bin/env python3
"""Set up bpt in ./.venv (first run only) and run it.

    python3 run.py demo   # build the demo year in ./demo.db (fresh) and open the terminal UI on it
    python3 run.py test   # the import-layer contract, then the whole test suite
    python3 run.py soak   # the long robustness runs (tests/soak)
    python3 run.py bench  # the benchmarks (bench/), figures and ratios
    python3 run.py bpt …  # any bpt command inside the environment
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".bpt-installed"


def ensure_env() -> None:
    """Create the virtualenv and install bpt with its test tools, again when pyproject changes."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("创建虚拟环境 .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    print("安装 bpt 及其依赖（首次运行需要几分钟）…", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*cmd: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def lint_imports() -> int:
    """import-linter on the package as installed: grimp reads only top-level packages from
    disk, and bpt's sub-packages are mapped folders, so they are laid out as ``bpt/…`` first."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "src" / "bpt", Path(tmp) / "bpt")
        for folder in ("domain", "projections", "tui", "workers"):
            shutil.copytree(ROOT / folder, Path(tmp) / "bpt" / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": tmp}
        return run(str(BIN / "lint-imports"), "--no-cache", str(ROOT / "pyproject.toml"), env=env)


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "demo"
    ensure_env()
    bpt = str(BIN / "bpt")
    if task == "demo":
        code = run(bpt, "demo", "--db", str(ROOT / "demo.db"), "--fresh")
        return code or run(bpt, "--db", str(ROOT / "demo.db"), "tui", "--year", "2021", *argv[1:])
    if task == "test":
        code = lint_imports()
        return code or run(str(BIN / "python"), "-m", "pytest", "-n", "2", "--dist", "loadgroup",
                           "--ignore=tests/soak", *argv[1:])
    if task == "soak":
        # -rP: the counts each run prints (sent, acknowledged, found, duplicates, lost) are shown
        return run(str(BIN / "python"), "-m", "pytest", "tests/soak", "-rP", *argv[1:])
    if task == "bench":
        return run(str(BIN / "python"), "-m", "bench", *argv[1:])
    if task == "bpt":
        return run(bpt, *argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
