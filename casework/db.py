"""The declarative base shared by every model (naming, UTC datetimes, enum-by-value), pool
checks, and whether a session's transaction has written."""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Enum,
    Integer,
    MetaData,
    TypeDecorator,
    any_,
    bindparam,
    event,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    ORMExecuteState,
    Session,
    SessionTransaction,
    registry,
    scoped_session,
)
from sqlalchemy.orm.unitofwork import UOWTransaction
from sqlalchemy.sql.elements import ColumnElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes whatever the backend gave back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_by_value(enum_class: type[enum.Enum], name: str) -> Enum:
    """Map a Python enum to a column that stores its values (not names), as plain strings."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """The one declarative base: Alembic reads its metadata."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def configure_sqlite(engine: Engine) -> None:
    """Turn on foreign keys, WAL and secure_delete for every SQLite connection of an engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


# A pooled connection idle longer than this is checked before use; a busy one is not, which
# spares a round trip per request or delivery. One the server dropped while in steady use fails
# its first statement instead: the pool is then invalidated and the caller answers 503 (web) or
# retries (tasks).
PING_AFTER_IDLE_SECONDS = 10.0


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection at checkout only if it sat idle; a dead one is replaced."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: the pool opens a fresh connection instead
            raise DisconnectionError("a pooled connection did not answer") from error


def id_in(
    column: ColumnElement[int] | InstrumentedAttribute[int], ids: Sequence[int], session: Session
) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL as `= ANY(array)`, one parameter however many ids.

    An expanded IN of a thousand ids costs more to render and parse than the query takes to run.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


# Set on a session once its open transaction has written (a flush, or a statement other than a
# SELECT run through the session); cleared when the transaction ends.
_WROTE = "casework.wrote"


@event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush_writes(session: Session, _flush_context: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def only_read(session: Session | scoped_session[Session]) -> bool:
    """Tell whether the session's open transaction has only read (statements run through it).

    Ending such a transaction with COMMIT changes nothing in the database, and on PostgreSQL it
    keeps the connection's prepared statements, which psycopg drops at every ROLLBACK. Writes
    sent on `session.connection()` directly are not seen: boundaries must not rely on this for
    those.
    """
    actual = session() if isinstance(session, scoped_session) else session
    return actual.in_transaction() and actual.is_active and not actual.info.get(_WROTE, False)
