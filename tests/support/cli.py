"""Running the real `casework` command line as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from casework.config import Settings

CASEWORK = [sys.executable, "-c", "from casework.cli import main; main()"]


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment that points the command line at a test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(
        CASEWORK_INSTANCE=str(settings.instance_path),
        CASEWORK_DATABASE_URL=settings.database_url,
        CASEWORK_BROKER_URL=settings.broker_url,
        CASEWORK_KEYRING=str(settings.keyring_path),
        CASEWORK_COOKIE_SECURE="false",
    )
    return env


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `casework ARGS` and capture its output."""
    return subprocess.run(
        [*CASEWORK, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start `casework ARGS` in the background with its output piped."""
    return subprocess.Popen(
        [*CASEWORK, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
