"""Gunicorn settings for production: `gunicorn -c python:casework.gunicorn_conf casework.wsgi:app`.

Every value can be changed with a CASEWORK_WEB_* variable; command-line options (`--bind`,
`--workers`, ...) override this file. The application is loaded once in the master and forked
(preload): workers share its memory and a broken setting or key stops the master at once. The
only state that must not cross the fork is the database pool, disposed of in `post_fork`.

Prometheus: loaded by gunicorn, this file gives the server a fresh private directory for
prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR) before the app, and with it
prometheus_client, is imported; every worker writes its metrics there, /metrics sums them all,
`child_exit` marks dead workers and `on_exit` removes the directory.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import MutableMapping
from typing import Any

METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Set next to METRICS_VARIABLE when this file made the directory: a master re-executed by USR2
# (which may inherit both) then makes its own instead of sharing, and later deleting, the old one.
METRICS_MADE_MARKER = "CASEWORK_METRICS_DIR_MADE"


def _number(name: str, default: int) -> int:
    text = os.environ.get(name, "")
    return int(text) if text.strip() else default


def prepare_metrics_directory(environ: MutableMapping[str, str]) -> str | None:
    """Point prometheus_client at a fresh, empty 0700 directory; return it (None: operator's own).

    The name holds the master's pid (casework-metrics-PID-random), so each server's is findable.
    """
    chosen = environ.get(METRICS_VARIABLE, "")
    if chosen and chosen != environ.get(METRICS_MADE_MARKER):
        return None
    # tmpfs: workers write on every request and must never wait for a disk.
    tmpfs = "/dev/shm"  # noqa: S108  # nosec B108 (mkdtemp below: a private, unpredictable name)
    made = tempfile.mkdtemp(
        prefix=f"casework-metrics-{os.getpid()}-", dir=tmpfs if os.path.isdir(tmpfs) else None
    )
    environ[METRICS_VARIABLE] = environ[METRICS_MADE_MARKER] = made
    return made


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# Only when gunicorn loads this file (it imports the app after its settings): anywhere else, such
# as a test importing it, it must not switch that process into multiprocess mode.
_metrics_directory = (
    prepare_metrics_directory(os.environ) if "gunicorn.app.base" in sys.modules else None
)
_metrics_owner = os.getpid()


def _remove_metrics_directory() -> None:
    # Workers inherit this (and the atexit registration): only the master that made it removes it.
    if _metrics_directory is not None and os.getpid() == _metrics_owner:
        shutil.rmtree(_metrics_directory, ignore_errors=True)


if _metrics_directory is not None:
    # Also when the app fails to load in the master, where gunicorn calls no `on_exit`.
    atexit.register(_remove_metrics_directory)

bind = os.environ.get("CASEWORK_WEB_BIND", "127.0.0.1:8000")
# Threads give keep-alive connections (the sync worker closes each one) and overlap waits on
# PostgreSQL; a few processes per core use the cores despite the GIL.
worker_class = "gthread"
workers = _number("CASEWORK_WEB_WORKERS", 2 * _cpus() + 1)
threads = _number("CASEWORK_WEB_THREADS", 4)
timeout = _number("CASEWORK_WEB_TIMEOUT", 30)
graceful_timeout = _number("CASEWORK_WEB_GRACEFUL_TIMEOUT", 30)
# Behind a load balancer, set it above the balancer's idle timeout (nginx: 60 s, AWS ALB: 60 s).
keepalive = _number("CASEWORK_WEB_KEEPALIVE", 5)
# Recycle workers now and then so slow leaks cannot grow without bound; jitter keeps the
# workers of one host from restarting together.
max_requests = _number("CASEWORK_WEB_MAX_REQUESTS", 10000)
max_requests_jitter = max_requests // 10
preload_app = True
# Only the TLS-terminating proxy may tell us the request came over https (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get(
    "CASEWORK_FORWARDED_ALLOW_IPS", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
)
# Heartbeat files on tmpfs: a worker never blocks on a slow disk (gunicorn's own advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108  # nosec B108 (tmpfs, not a temp file)
# The runtime control socket has one default path per user: several servers on one host would
# take it from each other. Enable it per server with CASEWORK_WEB_CONTROL_SOCKET=/run/....ctl.
_control_socket = os.environ.get("CASEWORK_WEB_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
accesslog = os.environ.get("CASEWORK_WEB_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("CASEWORK_LOG_LEVEL", "info").lower()
# Path only, never the query string, the referrer or the user agent; the request id ties a line
# to the application's JSON log lines.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def post_fork(server: Any, worker: Any) -> None:
    """Drop the database pool the worker inherited: each worker opens its own connections."""
    if not server.cfg.preload_app:
        return
    app = server.app.wsgi()
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is None:
        return
    with app.app_context():
        for engine in extension.engines.values():
            # close=False: the master's connections (if any) stay the master's to close.
            engine.dispose(close=False)


def pre_fork(server: Any, worker: Any) -> None:
    """Freeze the preloaded app's objects in the master: workers' full collections skip them."""
    # Unfrozen, a worker's full collection walked the ~160,000 objects of the preloaded app: a
    # 68-91 ms pause (measured in one process) of every request in that worker every few
    # thousand requests, touching (so copying) the memory pages they share with the master.
    gc.freeze()


def on_starting(server: Any) -> None:
    """Say where this server's workers keep their metrics."""
    directory = os.environ.get(METRICS_VARIABLE)
    if directory:
        server.log.info("Prometheus metrics of all workers in %s", directory)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges; its counters and histograms stay in the sums."""
    directory = os.environ.get(METRICS_VARIABLE)
    if directory:
        from prometheus_client import multiprocess  # after the variable is set, as it requires

        multiprocess.mark_process_dead(worker.pid, directory)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the metrics directory this server made; an operator's own directory stays."""
    _remove_metrics_directory()
