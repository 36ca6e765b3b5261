"""Bulk row sinks: PostgreSQL COPY, or executemany on SQLite. Rows are plain tuples."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, text

Row = tuple[Any, ...]


class RowSink(Protocol):
    """Writes many rows of one table in one go, inside the caller's transaction."""

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Append rows (tuples in the order of `columns`) to a table."""


class PostgresCopySink:
    """COPY ... FROM STDIN through psycopg: the fastest way into PostgreSQL."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Stream the rows with COPY in text format."""
        if not rows:
            return
        raw = self._connection.connection.driver_connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)


class ExecutemanySink:
    """Plain INSERTs in one executemany: for SQLite, where COPY does not exist."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Insert the rows with bound parameters."""
        if not rows:
            return
        names = ", ".join(columns)
        marks = ", ".join(f":{column}" for column in columns)
        statement = text(f"INSERT INTO {table} ({names}) VALUES ({marks})")  # noqa: S608  # nosec B608 (fixed names)
        values = [dict(zip(columns, _sqlite_row(row), strict=True)) for row in rows]
        self._connection.execute(statement, values)


def _sqlite_row(row: Row) -> Row:
    # The ORM stores aware datetimes as naive UTC text on SQLite; do the same here.
    return tuple(
        value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, datetime)
        else value
        for value in row
    )


def sink_for(connection: Connection) -> RowSink:
    """The fastest sink the connection's database offers."""
    if connection.dialect.name == "postgresql":
        return PostgresCopySink(connection)
    return ExecutemanySink(connection)
