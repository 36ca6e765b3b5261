"""Finding the real services tests need; in CI a missing service fails, locally it skips."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

PG_ADMIN_URL = os.environ.get(
    "CASEWORK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CASEWORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, which this closed
# network refuses; headless and no-sandbox because tests run as root without a display.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def in_ci() -> bool:
    """Tell whether we run in CI, where a missing service is a failure."""
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str, fix: str) -> None:
    """Fail in CI, skip elsewhere, saying exactly what is missing and how to get it."""
    message = f"{what} is not available: {fix}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    """Tell whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> str:
    """Return the admin URL of a reachable PostgreSQL, or fail/skip."""
    if not port_open("127.0.0.1", 5432):
        missing(
            "PostgreSQL on 127.0.0.1:5432",
            "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`",
        )
    return PG_ADMIN_URL


def require_redis() -> str:
    """Return the URL of a reachable Redis, or fail/skip."""
    if not port_open("127.0.0.1", 6379):
        missing(
            "Redis on 127.0.0.1:6379",
            'start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""`',
        )
    return REDIS_URL


def require_chromium() -> str:
    """Return the path of Debian's chromium, or fail/skip."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing(
            "Debian's chromium (browser tests)", "install it with `apt-get install -y chromium`"
        )
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))
