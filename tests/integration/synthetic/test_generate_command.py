"""`casework generate` from the command line: adds cases, refuses bad input and writes nothing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import run_cli


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["CASEWORK_INSTANCE"] = str(instance)
    return env


def _cases(instance: Path) -> int:
    with sqlite3.connect(instance / "casework.sqlite") as connection:
        return int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])


@pytest.mark.slow
def test_generate_adds_cases_and_refuses_bad_input(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert run_cli(["init"], env).returncode == 0
    added = run_cli(
        ["generate", "--cases", "30", "--seed", "5", "--now", "2026-11-25T12:00:00+00:00"], env
    )
    assert added.returncode == 0, added.stderr
    assert "added 30 synthetic cases (seed 5, 0 before)" in added.stdout
    assert _cases(tmp_path) == 30
    for arguments, message in (
        (["--cases", "0"], "0 is not in the range"),
        (["--cases", "5", "--now", "yesterday"], "use an ISO 8601 instant"),
        (["--cases", "5", "--now", "2026-11-25T12:00:00"], "give a time zone"),
    ):
        refused = run_cli(["generate", *arguments], env)
        assert refused.returncode == 2
        assert message in refused.stderr
    assert _cases(tmp_path) == 30
