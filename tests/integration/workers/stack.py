"""A real stack for tests: PostgreSQL, Redis db 14, aiosmtpd, celery worker and gunicorn processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
from celery import Celery

from tests.support.mail import free_port
from tests.support.services import port_open

# A separate database per concurrent run keeps two runs on one machine out of each other's queues.
REDIS_DB_URL = os.environ.get("CASEWORK_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class WorkerStack:
    """Starts and kills real worker processes against one database and broker."""

    instance: Path
    database_url: str
    smtp_port: int
    broker_url: str = REDIS_DB_URL
    profile: str = "embedded"
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def env(self, clock_offset_days: float = 0) -> dict[str, str]:
        """The processes' environment (Redis broker, short relay timings, plain-http cookies)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
        env.update(
            CASEWORK_PROFILE=self.profile,
            CASEWORK_INSTANCE=str(self.instance),
            CASEWORK_DATABASE_URL=self.database_url,
            CASEWORK_BROKER_URL=self.broker_url,
            CASEWORK_SMTP_PORT=str(self.smtp_port),
            CASEWORK_BASE_URL="http://casework.test",
            CASEWORK_CLOCK_OFFSET_DAYS=str(clock_offset_days),
            CASEWORK_OUTBOX_REQUEUE_SECONDS="3",
            CASEWORK_OUTBOX_STALE_SECONDS="4",
            CASEWORK_OUTBOX_BACKOFF_SECONDS="1",
            CASEWORK_LOG_LEVEL="INFO",
            CASEWORK_COOKIE_SECURE="false",
        )
        return env

    def _spawn(
        self, role: str, arguments: list[str], clock_offset_days: float
    ) -> tuple[subprocess.Popen[bytes], Path]:
        """Start `celery ROLE ARGUMENTS` with its own log file, in its own process group."""
        command = [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery_app", role,
                   "--loglevel", "INFO", *arguments]  # fmt: skip
        return self._start(role, command, clock_offset_days)

    def _start(
        self, name: str, command: list[str], clock_offset_days: float = 0
    ) -> tuple[subprocess.Popen[bytes], Path]:
        """Start a command with its own log file, in its own process group."""
        log = self.instance / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env(clock_offset_days),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process, log

    def start_worker(
        self, clock_offset_days: float = 0, concurrency: int | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a celery worker (solo pool, or prefork with `concurrency`); wait until it consumes."""
        pool = ["--pool", "solo"] if concurrency is None else ["--concurrency", str(concurrency)]
        arguments = [*pool, "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "-n", f"w{len(self.logs) + 1}@%h"]  # fmt: skip
        process, log = self._spawn("worker", arguments, clock_offset_days)
        wait_for(lambda: b"ready." in log.read_bytes(), 30, f"worker ready ({log})")
        return process

    def start_beat(self, clock_offset_days: float = 0) -> subprocess.Popen[bytes]:
        """Start celery beat (a fresh schedule file: each entry runs one interval after start)."""
        schedule = self.instance / f"beat-schedule-{len(self.logs)}"
        process, log = self._spawn("beat", ["--schedule", str(schedule)], clock_offset_days)
        wait_for(lambda: b"Sending due task" in log.read_bytes(), 30, f"beat sending ({log})")
        return process

    def start_web(self, workers: int = 2) -> int:
        """Start gunicorn with the production configuration on a free port; return the port."""
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-c", "python:casework.gunicorn_conf",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                   "casework.wsgi:app"]  # fmt: skip
        _, log = self._start("web", command)
        wait_for(lambda: port_open("127.0.0.1", port), 30, f"web server answering ({log})")
        return port

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Kill a worker and its children."""
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        """Stop every process this stack started."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_text(self) -> str:
        """Every process's log."""
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until a condition holds; fail naming it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def client(broker_url: str = REDIS_DB_URL) -> Celery:
    """A bare Celery client that sends tasks by name (plays beat)."""
    return Celery("tests", broker=broker_url, set_as_current=False)


def flush_broker_db() -> None:
    """Empty the dedicated broker database."""
    redis.Redis.from_url(REDIS_DB_URL).flushdb()


def restart_redis() -> None:
    """Shut the local Redis down without saving, then start it again."""
    subprocess.run(["redis-cli", "shutdown", "nosave"], check=False, capture_output=True)
    wait_for(lambda: not port_open("127.0.0.1", 6379), 10, "redis down")
    ensure_redis()


def ensure_redis() -> None:
    """Start the local Redis if it is not running."""
    if port_open("127.0.0.1", 6379):
        return
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
    )
    wait_for(lambda: port_open("127.0.0.1", 6379), 10, "redis up")


@contextmanager
def redis_monitor() -> Iterator[list[str]]:
    """Record every command Redis sees while the block runs (MONITOR in a thread)."""
    seen: list[str] = []
    # No read timeout: MONITOR is silent while workers restart.
    connection = redis.Redis.from_url(REDIS_DB_URL, socket_timeout=None)
    stop = threading.Event()

    def run() -> None:
        with connection.monitor() as monitor:
            try:
                for command in monitor.listen():
                    seen.append(str(command.get("command", "")))
                    if stop.is_set():
                        return
            except (redis.ConnectionError, OSError, ValueError):
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.3)
    try:
        yield seen
    finally:
        stop.set()
        redis.Redis.from_url(REDIS_DB_URL).ping()
        thread.join(timeout=5)
