"""The command line: clear one-line errors at start-up, init, demo, and the embedded stack."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from casework.cases.models import Case, Stage
from tests.support.cli import CASEWORK, run_cli


def _env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["CASEWORK_INSTANCE"] = str(instance)
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "keyring file .* not found: run `casework init`"),
        ({"CASEWORK_DATABASE_URL": "oracle://x/y"}, "CASEWORK_DATABASE_URL has scheme 'oracle'"),
        ({"CASEWORK_BROKER_URL": "kafka://x"}, "CASEWORK_BROKER_URL has scheme 'kafka'"),
        ({"CASEWORK_PROFILE": "production"}, "must be set for the production profile"),
        (
            {"CASEWORK_PORTAL_EXIT_URL": "http://news.example.org/"},
            "CASEWORK_PORTAL_EXIT_URL must be an absolute https:// URL",
        ),
    ],
)
def test_start_up_errors_are_one_clear_line(
    tmp_path: Path, extra: dict[str, str], message: str
) -> None:
    result = run_cli(["keys", "status"], _env(tmp_path, **extra))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("casework: error: ")
    assert re.search(message, lines[0])


def test_malformed_keyring_is_named_at_start_up(tmp_path: Path) -> None:
    (tmp_path / "keyring.json").write_text('{"format": 1, "keks": {}}')
    result = run_cli(["keys", "status"], _env(tmp_path))
    assert result.returncode == 2
    assert "'keks' must be a non-empty object" in result.stderr


def test_init_then_demo_loads_every_stage_and_overdue_cases(tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = run_cli(["init"], env)
    assert first.returncode == 0, first.stderr
    assert "created keyring" in first.stdout
    assert (tmp_path / "keyring.json").stat().st_mode & 0o077 == 0
    demo = run_cli(["demo"], env)
    assert demo.returncode == 0, demo.stderr
    assert "2 entities, 10 staff" in demo.stdout
    again = run_cli(["demo"], env)
    assert "demo data loaded" not in again.stdout, "the demo loads only into an empty database"
    engine = create_engine(f"sqlite:///{tmp_path}/casework.sqlite")
    with engine.connect() as connection:
        stages = {row[0] for row in connection.execute(select(Case.stage).distinct())}
        total = connection.execute(select(func.count()).select_from(Case)).scalar_one()
    engine.dispose()
    assert stages == {s.value for s in Stage} or stages == set(Stage)
    assert total >= 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_embedded_stack_serves_and_a_worker_consumes_tasks(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*CASEWORK, "up", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text_out = "".join(output)
        assert f"Casework is running at http://127.0.0.1:{port}/" in text_out, text_out[-3000:]
        assert "worker consuming tasks" in text_out
        assert "unx.investigator" in text_out
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert response.status == 200
        engine = create_engine(f"sqlite:///{tmp_path}/casework.sqlite")
        with engine.connect() as connection:
            beats = connection.execute(text("SELECT SUM(beats) FROM worker_heartbeats")).scalar()
        engine.dispose()
        assert beats and beats >= 1
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
    assert process.returncode == 0
