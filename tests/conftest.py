"""Shared fixtures: settings with generated keys, real SQLite and PostgreSQL, an app per backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from casework.app import create_app
from casework.boundary import app_keys
from casework.config import Settings, load_settings
from casework.crypto import LocalKeyring
from casework.db import Base
from casework.extensions import db
from casework.keys.services import Keys
from tests.support.databases import sqlite_url, temporary_postgres_database
from tests.support.services import require_postgres

BACKENDS = ("sqlite", "postgresql")


def make_settings(instance: Path, database_url: str, **overrides: object) -> Settings:
    """Settings for a test: embedded profile, a fresh keyring in the instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    keyring_path = instance / "keyring.json"
    if not keyring_path.exists():
        LocalKeyring.create(keyring_path, datetime.now(UTC))
    env = {
        "CASEWORK_INSTANCE": str(instance),
        "CASEWORK_DATABASE_URL": database_url,
        "CASEWORK_BROKER_URL": f"sqla+sqlite:///{instance}/broker.sqlite",
        "CASEWORK_COOKIE_SECURE": "false",
    }
    return replace(load_settings(env), **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real database per backend, migrated once per session."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("sqlite"))
    else:
        with temporary_postgres_database(require_postgres()) as url:
            yield url


@pytest.fixture(scope="session")
def migrated_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database with the models' schema (tests/migrations checks it equals head)."""
    app = create_app(make_settings(tmp_path_factory.mktemp("instance"), database_url))
    with app.app_context():
        Base.metadata.create_all(db.engine)
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_tables(session: Session) -> None:
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    session.commit()


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The migrated app inside an app context, with every table emptied after the test."""
    with migrated_app.app_context():
        yield migrated_app
        db.session.remove()
        _empty_tables(db.session)
        db.session.remove()


@pytest.fixture
def session(app: Flask) -> Session:
    """The app's database session."""
    return db.session  # type: ignore[return-value]


@pytest.fixture
def keys(app: Flask) -> Keys:
    """The app's key material."""
    return app_keys(app)


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' for services (a Wednesday)."""
    return datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
