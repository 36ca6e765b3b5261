"""Run the embedded stack: gunicorn, a Celery worker and beat as separate processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from types import FrameType

import click

from casework.config import load_settings
from casework.demo import DEMO_LOGINS, DEMO_PASSWORD

READY_TIMEOUT_SECONDS = 60.0


def _commands(host: str, port: int) -> dict[str, list[str]]:
    settings = load_settings()
    schedule = str(settings.instance_path / "celerybeat-schedule")
    return {
        # The production configuration (casework/gunicorn_conf.py), with one thread per
        # process: SQLite takes one writer at a time anyway.
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:casework.gunicorn_conf",
            "--bind",
            f"{host}:{port}",
            "--workers",
            "2",
            "--threads",
            "1",
            "casework.wsgi:app",
        ],
        "worker": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app:celery_app",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app:celery_app",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            schedule,
        ],
    }


def _wait_until_answering(url: str, processes: dict[str, subprocess.Popen[bytes]]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                click.echo(f"{name} exited early with code {process.returncode}", err=True)
                return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # nosec B310 (our own http:// URL)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def _wait_for_worker(processes: dict[str, subprocess.Popen[bytes]]) -> bool:
    """Wait until a worker has consumed a heartbeat task sent by beat after start-up."""
    from casework.app import create_app
    from casework.boundary import session
    from casework.system.services import latest_heartbeat

    started = datetime.now(UTC)
    app = create_app(load_settings())
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with app.app_context():
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in processes.values()):
                return False
            beat_at = latest_heartbeat(session())
            session().rollback()
            if beat_at is not None and beat_at >= started:
                click.echo(f"worker consuming tasks (heartbeat at {beat_at:%H:%M:%S} UTC)")
                return True
            time.sleep(0.5)
    return False


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_embedded_stack(host: str, port: int) -> int:
    """Start web, worker and beat; print the URL and logins; stop them all on Ctrl-C."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    env = dict(os.environ)
    for name, command in _commands(host, port).items():
        click.echo(f"starting {name}: {' '.join(command[2:5])} ...")
        processes[name] = subprocess.Popen(command, env=env)  # noqa: S603 (our own commands)

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_signal)
    url = f"http://{host}:{port}/"
    try:
        if not _wait_until_answering(url + "healthz", processes):
            click.echo("the web server did not answer in time; stopping", err=True)
            return 1
        if not _wait_for_worker(processes):
            click.echo("no worker consumed a task in time; stopping", err=True)
            return 1
        click.echo("")
        click.echo(f"Casework is running at {url}")
        click.echo(f"Demo logins (password {DEMO_PASSWORD!r} for all):")
        for username, role in DEMO_LOGINS:
            click.echo(f"  {username:<22} {role}")
        click.echo("Second factor: `casework demo-code USERNAME` prints the current code.")
        click.echo(f"Affected person's portal: {url}portal/  (oversight charts: {url}oversight/)")
        click.echo("Press Ctrl-C to stop web, worker and beat.")
        while all(process.poll() is None for process in processes.values()):
            time.sleep(1)
        stopped = [name for name, p in processes.items() if p.poll() is not None]
        click.echo(f"{', '.join(stopped)} stopped; stopping the rest", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("stopping ...")
        return 0
    finally:
        _stop(processes)
