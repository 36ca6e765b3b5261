"""/metrics under a real gunicorn with several workers: one scrape counts the requests of all.

Each test starts `gunicorn -c python:casework.gunicorn_conf` (the production command) on a
SQLite database in tmp_path, sends requests over new connections so several workers answer
them, and reads /metrics through the same server, whichever worker answers the scrape.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from casework.app import create_app
from casework.db import Base
from casework.extensions import db
from tests.conftest import make_settings
from tests.support.databases import sqlite_url
from tests.support.mail import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HEALTHZ = "health.healthz"
SHM = Path("/dev/shm")  # where casework/gunicorn_conf.py makes the directory, when it exists
METRICS_BASE = SHM if SHM.is_dir() else Path(tempfile.gettempdir())


@dataclass
class Server:
    """A running gunicorn master, its port and its log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str) -> str:
        """GET over a new connection; return the body of a 200 answer."""
        url = f"http://127.0.0.1:{self.port}{path}"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200, (path, response.status)
            return str(response.read().decode())

    def made_directories(self) -> list[Path]:
        """The metrics directories this master made (their names hold its pid)."""
        return sorted(METRICS_BASE.glob(f"casework-metrics-{self.process.pid}-*"))

    def log_text(self) -> str:
        """The server's output so far."""
        return self.log.read_text(errors="replace")


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Embedded-style settings on a migrated SQLite file; no inherited CASEWORK_* or Prometheus."""
    instance = tmp_path / "instance"
    database_url = sqlite_url(tmp_path)
    app = create_app(make_settings(instance, database_url))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        db.engine.dispose()
    ignored = ("CASEWORK_", "PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ignored)}
    env.update(
        CASEWORK_INSTANCE=str(instance),
        CASEWORK_DATABASE_URL=database_url,
        CASEWORK_BROKER_URL=f"sqla+sqlite:///{instance}/broker.sqlite",
        CASEWORK_COOKIE_SECURE="false",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _spawn(env: dict[str, str], workers: int, log: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "python:casework.gunicorn_conf",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "casework.wsgi:app"]  # fmt: skip
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Server(process, port, log)


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def _wait_until(condition: object, server: Server, what: str, timeout: float = 60) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited while waiting for {what}:\n{server.log_text()}")
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{server.log_text()}")


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[Server]:
    """Run gunicorn until the block ends; wait until /metrics answers (it never counts healthz)."""
    server = _spawn(env, workers, log)
    try:
        _wait_until(lambda: bool(server.get("/metrics")), server, "/metrics")
        yield server
    finally:
        _stop(server)


def _healthz_count(body: str) -> float:
    """Sum casework_request_seconds_count over every series of the healthz endpoint."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "casework_request_seconds_count"
        and sample.labels.get("endpoint") == HEALTHZ
    )


def _send_healthz(server: Server, count: int) -> None:
    """`count` GETs of /healthz, twelve at a time, each over a new connection."""
    with ThreadPoolExecutor(max_workers=12) as pool:
        bodies = list(pool.map(lambda _: server.get("/healthz"), range(count)))
    assert len(bodies) == count


def _pids_with_histograms(directory: Path) -> set[str]:
    return {path.stem.split("_", 1)[1] for path in directory.glob("histogram_*.db")}


def test_one_scrape_counts_the_requests_of_every_worker(tmp_path: Path) -> None:
    sent = 60
    with gunicorn(_environment(tmp_path), 3, tmp_path / "gunicorn.log") as server:
        [directory] = server.made_directories()
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert f"Prometheus metrics of all workers in {directory}" in server.log_text()

        _send_healthz(server, sent)
        # The requests were spread: more than one worker wrote observations.
        assert len(_pids_with_histograms(directory)) >= 2
        scrapes = [server.get("/metrics") for _ in range(9)]
        assert [_healthz_count(body) for body in scrapes] == [sent] * len(scrapes)
        body = scrapes[0]
        assert body.count("# TYPE casework_request_seconds histogram") == 1
        assert "casework_overdue_cases 0.0" in body
        assert "# TYPE casework_outbox_rows gauge" in body

        # One worker fewer (TTOU): what it counted stays in the sums.
        os.kill(server.process.pid, signal.SIGTTOU)
        _wait_until(lambda: "Worker exiting" in server.log_text(), server, "a worker to exit")
        assert [_healthz_count(server.get("/metrics")) for _ in range(4)] == [sent] * 4
    assert server.process.returncode == 0, server.log_text()
    assert not directory.exists()
    assert "Traceback" not in server.log_text()


def test_a_server_that_cannot_start_leaves_no_metrics_directory(tmp_path: Path) -> None:
    env = _environment(tmp_path, CASEWORK_PROXY_HOPS="9")
    server = _spawn(env, 2, tmp_path / "gunicorn.log")
    try:
        server.process.wait(timeout=60)
    finally:
        _stop(server)
    assert server.process.returncode != 0
    assert "CASEWORK_PROXY_HOPS must be a whole number from 0 to 5" in server.log_text()
    assert server.made_directories() == []


def test_an_operators_metrics_directory_is_used_and_kept(tmp_path: Path) -> None:
    chosen = tmp_path / "metrics"
    chosen.mkdir()
    env = _environment(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(chosen))
    with gunicorn(env, 2, tmp_path / "gunicorn.log") as server:
        _send_healthz(server, 10)
        assert _healthz_count(server.get("/metrics")) == 10
        assert server.made_directories() == []
    assert server.process.returncode == 0, server.log_text()
    assert _pids_with_histograms(chosen)
