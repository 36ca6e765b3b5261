"""Portal credential records: receipt codes, server-side portal sessions, sign-in throttling.

No personal data is stored here: the receipt code is kept only as a blind index, the passphrase
only as an Argon2id hash, the session token only as a SHA-256 hash, the client address only as
a keyed hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class PortalAccess(Base):
    """The receipt code and passphrase handed to a reporter; revoked when re-issued."""

    __tablename__ = "portal_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    receipt_index: Mapped[str] = mapped_column(String(64), unique=True)
    passphrase_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    revoked_at: Mapped[datetime | None]


class PortalSession(Base):
    """A signed-in portal visit: idle and absolute timeouts, revocable server-side."""

    __tablename__ = "portal_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_id: Mapped[int] = mapped_column(
        ForeignKey("portal_accesses.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class PortalFailure(Base):
    """One failed sign-in, counted per receipt-code index and per client address."""

    __tablename__ = "portal_failures"
    __table_args__ = (Index("ix_portal_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]
