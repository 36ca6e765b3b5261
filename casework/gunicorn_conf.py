"""Gunicorn settings for production: `gunicorn -c python:casework.gunicorn_conf casework.wsgi:app`.

Every value can be changed with a CASEWORK_WEB_* variable; command-line options (`--bind`,
`--workers`, ...) override this file. The application is loaded once in the master and forked
(preload): workers share its memory and a broken setting or key stops the master at once. The
only state that must not cross the fork is the database pool, disposed of in `post_fork`.
"""

from __future__ import annotations

import os
from typing import Any


def _number(name: str, default: int) -> int:
    text = os.environ.get(name, "")
    return int(text) if text.strip() else default


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


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
