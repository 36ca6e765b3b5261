"""Published statistics releases: versioned, immutable, already protected (never raw counts).

A release row is written once. An ORM listener refuses any update of a loaded release and any
bulk ``UPDATE`` through the ORM, so the only way to change what was published is a new version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column
from sqlalchemy.orm.session import ORMExecuteState

from casework.db import Base
from casework.errors import CaseworkError

SYSTEM_SCOPE = "system"


class ReleaseImmutable(CaseworkError):
    """A published release cannot be changed; build a new version instead."""


class Release(Base):
    """One published set of tables for one scope (the system or one entity) and one period."""

    __tablename__ = "statistics_releases"
    __table_args__ = (
        UniqueConstraint("scope", "version"),
        UniqueConstraint("scope", "period_label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    created_at: Mapped[datetime]
    period_label: Mapped[str] = mapped_column(String(16))
    period_from: Mapped[str] = mapped_column(String(16))
    period_to: Mapped[str] = mapped_column(String(16))
    # Canonical JSON (sorted keys, no whitespace): the hash is over exactly these bytes.
    payload: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(Release, "before_update")
def _refuse_update(_mapper: Mapper[Any], _connection: Any, _target: Release) -> None:
    raise ReleaseImmutable("a published release cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_update(state: ORMExecuteState) -> None:
    if state.is_update and any(mapper.class_ is Release for mapper in state.all_mappers):
        raise ReleaseImmutable("a published release cannot be changed")
