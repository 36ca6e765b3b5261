"""Oversight tokens: only a SHA-256 hash of each token is stored; the token is shown once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class OversightToken(Base):
    """A bearer token for the statistics API, valid for some scopes until it expires."""

    __tablename__ = "oversight_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated: "system" and/or entity codes.
    scopes: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    @property
    def scope_list(self) -> tuple[str, ...]:
        """The scopes the token may read."""
        return tuple(self.scopes.split())

    def is_valid(self, now: datetime) -> bool:
        """Whether the token is neither revoked nor expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at
