"""Fixtures for real-worker tests: PostgreSQL database, app for setup, SMTP sink, stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from casework.app import create_app
from casework.db import Base
from casework.extensions import db
from tests.conftest import make_settings
from tests.integration.workers.stack import (
    REDIS_DB_URL,
    WorkerStack,
    ensure_redis,
    flush_broker_db,
)
from tests.support.databases import temporary_postgres_database
from tests.support.mail import SmtpSink, smtp_server
from tests.support.services import require_postgres, require_redis


@pytest.fixture
def worker_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh PostgreSQL database the worker processes share."""
    require_redis()
    with temporary_postgres_database(require_postgres()) as url:
        app = create_app(make_settings(tmp_path / "instance", url, broker_url=REDIS_DB_URL))
        with app.app_context():
            Base.metadata.create_all(db.engine)
            yield app
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def sink() -> SmtpSink:
    """The SMTP server's counter."""
    return SmtpSink()


@pytest.fixture
def stack(worker_app: Flask, sink: SmtpSink) -> Iterator[WorkerStack]:
    """Worker processes against the app's database, Redis db 14 and the SMTP sink."""
    flush_broker_db()
    with smtp_server(sink) as port:
        settings = worker_app.extensions["casework.settings"]
        stack = WorkerStack(settings.instance_path, settings.database_url, port)
        try:
            yield stack
        finally:
            stack.stop_all()
            ensure_redis()
            flush_broker_db()
