"""Pooled connections: checked only after sitting idle; a lost database is a 503, never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from casework.app import create_app
from casework.db import ping_when_idle
from tests.conftest import make_settings
from tests.support.mail import free_port
from tests.support.services import require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL server's admin database (only backend pids are read, nothing written)."""
    return require_postgres()


def _engine(url: str, idle_seconds: float) -> Iterator[Engine]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")) or 0)


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url)
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.2)


def test_a_connection_dropped_while_idle_is_replaced_without_an_error(postgres_url: str) -> None:
    for engine in _engine(postgres_url, idle_seconds=0.1):
        first = _backend_pid(engine)
        _terminate(postgres_url, first)
        time.sleep(0.2)  # longer than the idle threshold: the next checkout pings

        second = _backend_pid(engine)

        assert second not in (0, first)


def test_a_busy_connection_is_not_pinged_and_the_pool_recovers_after_one_failure(
    postgres_url: str,
) -> None:
    for engine in _engine(postgres_url, idle_seconds=3600):
        first = _backend_pid(engine)
        with engine.connect() as connection:  # in steady use: no ping before it
            connection.exec_driver_sql("SELECT 1")
        _terminate(postgres_url, first)

        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.scalar(text("SELECT pg_backend_pid()"))
        second = _backend_pid(engine)

        assert second not in (0, first)


@pytest.fixture
def app_without_database(tmp_path: Path) -> Flask:
    """An app whose PostgreSQL server is not there (nothing listens on the port)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/casework?connect_timeout=2"
    return create_app(make_settings(tmp_path / "instance", url))


def test_a_database_that_cannot_be_reached_is_a_503_with_a_reason(
    app_without_database: Flask,
) -> None:
    response = app_without_database.test_client().get(
        "/api/v1/releases",
        headers={"Authorization": "Bearer " + "x" * 43},  # well formed: it is looked up
    )

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {
        "error": "Service unavailable",
        "detail": "The database could not be reached; try again shortly.",
    }
