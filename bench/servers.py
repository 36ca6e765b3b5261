"""Real server processes for benchmarks: gunicorn, Celery workers, an SMTP sink; their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.context import BenchContext

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = "python:casework.gunicorn_conf"
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(context: BenchContext, **extra: str) -> dict[str, str]:
    """The environment of a production-profile process on the benchmark's database and broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(
        CASEWORK_PROFILE="production",
        CASEWORK_INSTANCE=str(context.instance),
        CASEWORK_KEYRING=str(context.instance / "keyring.json"),
        CASEWORK_DATABASE_URL=context.database_url,
        CASEWORK_BROKER_URL=context.broker_url,
        CASEWORK_LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@dataclass
class Service:
    """One started process (and its process group) with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, size: int = 3000) -> str:
        """The end of the log, for error messages."""
        if not self.log.exists():
            return ""
        return self.log.read_bytes()[-size:].decode(errors="replace")

    def check_alive(self) -> None:
        """Raise if the process has exited."""
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with code {self.process.returncode}:\n{self.log_tail()}"
            )

    def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after 20 seconds."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def spawn(name: str, command: list[str], env: Mapping[str, str], log: Path) -> Service:
    """Start a command in its own process group with output to a log file."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            command,
            cwd=ROOT,
            env=dict(env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Service(name, process, log)


def wait_until(condition: Callable[[], bool], service: Service, what: str) -> None:
    """Poll a condition while the service runs; raise naming what never happened."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        service.check_alive()
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}:\n{service.log_tail()}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # nosec B310 (our own http:// URL)
            return bool(response.status == 200)
    except OSError:
        return False


def start_gunicorn(
    name: str, app_path: str, port: int, env: Mapping[str, str], log_dir: Path
) -> Service:
    """Start gunicorn with the production configuration file; wait until /healthz answers."""
    command = [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG,
               "--bind", f"127.0.0.1:{port}", app_path]  # fmt: skip
    service = spawn(name, command, env, log_dir / f"{name}.log")
    wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), service, f"{name} /healthz")
    return service


def start_celery_worker(
    name: str, app_path: str, env: Mapping[str, str], log_dir: Path, concurrency: int
) -> Service:
    """Start a Celery worker with the production options (prefork); wait until it is ready."""
    command = [sys.executable, "-m", "celery", "-A", app_path, "worker", "--loglevel", "INFO",
               "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
               "-n", f"{name}@%h"]  # fmt: skip
    service = spawn(name, command, env, log_dir / f"{name}.log")
    wait_until(lambda: b"ready." in service.log.read_bytes(), service, f"{name} ready")
    return service


def start_smtp_sink(port: int, record: Path, log_dir: Path) -> Service:
    """Start the SMTP sink process (bench.smtp_sink) and wait until it accepts connections."""
    command = [sys.executable, "-m", "bench.smtp_sink", str(port), str(record)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    service = spawn("smtp-sink", command, env, log_dir / "smtp-sink.log")
    wait_until(lambda: _port_open(port), service, "the SMTP sink")
    return service


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields start after ')'.
        parent = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _descendants(pids: list[int]) -> set[int]:
    tree = _children()
    seen: set[int] = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(tree.get(pid, []))
    return seen


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children it has reaped (the exited workers, backends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # utime, stime, cutime and cstime: the 14th to 17th fields of stat (11th to 14th after the
    # command name). A child's time moves into its parent's cutime/cstime when it is reaped: a
    # worker gunicorn recycled (max_requests) or a backend whose connection closed still counts.
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far by a server's process tree and by all local PostgreSQL processes.

    Both sums include the children each process has reaped, so a process that exits between
    two snapshots is not lost: its whole life moves into its parent's share.
    """

    server: float
    database: float | None


def cpu_snapshot(server_pid: int) -> CpuSnapshot:
    """Read the CPU time of a server's processes and of every local PostgreSQL process."""
    server = sum(_cpu_seconds(pid) for pid in _descendants([server_pid]))
    postgres = _postgres_pids()
    database = sum(_cpu_seconds(pid) for pid in postgres) if postgres else None
    return CpuSnapshot(server, database)


def cpu_used(before: CpuSnapshot, after: CpuSnapshot) -> tuple[float, float | None]:
    """CPU seconds of the server and of PostgreSQL between two snapshots (None: no local server).

    Processes that started in between count from zero (the backends the web workers open during
    the first run); those that ended in between count through the parent that reaped them.
    """
    database = None
    if before.database is not None and after.database is not None:
        database = after.database - before.database
    return after.server - before.server, database


def tree_rss_bytes(pids: list[int]) -> int:
    """Resident memory of processes and all their descendants, summed (from /proc)."""
    return sum(_rss_bytes(pid) for pid in _descendants(pids))
