#!/usr/bin/env python3
"""Developer entry point; needs only Python 3.11+. It makes its own virtual environment.

python3 dev.py up      start the demo stack (web, worker, beat) on the embedded default
python3 dev.py test    run every check and the whole test suite
python3 dev.py bench   run the benchmarks (PostgreSQL and Redis; --quick for a short run)
python3 dev.py help    list every target
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".casework-installed"


def _say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def _run(*command: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env)  # noqa: S603
    if result.returncode != 0:
        _say(f"failed ({result.returncode}): {' '.join(command)}")
        raise SystemExit(result.returncode)


def ensure_venv() -> None:
    """Create .venv and install the project with its dev extras when pyproject.toml changes."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        _say(f"creating virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    _say("installing Casework and its development tools (first run takes a few minutes)")
    _run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def target_up() -> None:
    """Start web, worker and beat with demo data on SQLite (no server to install)."""
    ensure_venv()
    os.execv(str(BIN / "casework"), [str(BIN / "casework"), "up", *sys.argv[2:]])  # noqa: S606


def _service_notes() -> None:
    if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
        _say(
            "note: Debian's chromium is missing, browser tests will "
            + ("FAIL (CI)" if os.environ.get("CI") == "true" else "be skipped")
            + ": install it with `apt-get install -y chromium`"
        )


def target_test() -> None:
    """Run ruff, mypy --strict, the import contracts and the whole pytest suite."""
    ensure_venv()
    _service_notes()
    env = dict(os.environ)
    _run(str(BIN / "ruff"), "check", ".", env=env)
    _run(str(BIN / "ruff"), "format", "--check", ".", env=env)
    _run(str(BIN / "mypy"), env=env)
    _run(str(BIN / "lint-imports"), env=env)
    _run(str(BIN / "pytest"), *sys.argv[2:], env=env)


def target_check() -> None:
    """Run only the static checks (ruff, mypy, import contracts)."""
    ensure_venv()
    _run(str(BIN / "ruff"), "check", ".")
    _run(str(BIN / "ruff"), "format", "--check", ".")
    _run(str(BIN / "mypy"))
    _run(str(BIN / "lint-imports"))


def target_bench() -> None:
    """Measure every figure against its same-run baseline on PostgreSQL and Redis (table + JSON)."""
    ensure_venv()
    os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "bench", *sys.argv[2:]])  # noqa: S606


def target_help() -> None:
    """List the targets."""
    for name, function in TARGETS.items():
        print(f"  python3 dev.py {name:<6} {function.__doc__}")


TARGETS = {
    "up": target_up,
    "test": target_test,
    "check": target_check,
    "bench": target_bench,
    "help": target_help,
}

if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "help"
    if name not in TARGETS:
        target_help()
        raise SystemExit(f"dev.py: unknown target {name!r}")
    TARGETS[name]()
