"""Real databases for tests: a SQLite file and a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session


@contextmanager
def temporary_postgres_database(admin_url: str) -> Iterator[str]:
    """Create a fresh PostgreSQL database, yield its URL, drop it afterwards."""
    name = f"casework_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def sqlite_url(directory: Path) -> str:
    """Return the URL of a SQLite file in a directory."""
    return f"sqlite:///{directory / 'casework.sqlite'}"


@contextmanager
def recorded_statements(session: Session) -> Iterator[list[str]]:
    """Record the SQL of every statement the session's engine sends while the block runs."""
    seen: list[str] = []

    def _record(*args: object) -> None:
        seen.append(str(args[2]))

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", _record)
