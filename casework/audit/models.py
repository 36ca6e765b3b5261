"""The append-only, hash-chained audit trail and the head row that serialises appends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class AuditEntry(Base):
    """One audited act: who, when, which case, which action, from where, outcome; never content.

    `seq` is the position in the chain (1, 2, ...); `prev_hash` is the previous entry's
    `entry_hash` (64 zeros for the first); `entry_hash` is the SHA-256 of the canonical
    serialisation of every other field (see docs/audit.md).
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    token_id: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The single row naming the chain's last entry; locked FOR UPDATE to serialise appends."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
