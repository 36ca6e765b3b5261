"""Create, list, revoke and check oversight tokens (services flush, never commit)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import NotFound, ValidationFailed
from casework.identity.models import Entity
from casework.oversight.models import OversightToken
from casework.statistics.models import SYSTEM_SCOPE

TOKEN_BYTES = 32
MAX_DAYS = 366
# A bearer token as issued: URL-safe base64 of 32 random bytes (43 characters).
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class IssuedToken:
    """A new token's record and its secret, which is shown once and never stored."""

    record: OversightToken
    secret: str


def hash_token(secret: str) -> str:
    """SHA-256 of a token, hex: what the database stores."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_token(
    session: Session,
    name: str,
    scopes: Sequence[str],
    days: int,
    now: datetime,
    created_by: int | None = None,
) -> IssuedToken:
    """Issue a token for the given scopes, valid for ``days`` days."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed({"name": "give a name of 1 to 120 characters"})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed({"days": f"a token lasts 1 to {MAX_DAYS} days"})
    wanted = list(dict.fromkeys(scope.strip() for scope in scopes if scope.strip()))
    if not wanted:
        raise ValidationFailed({"scope": "give at least one scope"})
    known = set(session.scalars(select(Entity.code)))
    unknown = [scope for scope in wanted if scope != SYSTEM_SCOPE and scope not in known]
    if unknown:
        raise ValidationFailed({"scope": f"unknown scope(s): {', '.join(sorted(unknown))}"})
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    record = OversightToken(
        name=name,
        token_hash=hash_token(secret),
        scopes=" ".join(wanted),
        created_at=now,
        expires_at=now + timedelta(days=days),
        revoked_at=None,
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return IssuedToken(record, secret)


def list_tokens(session: Session) -> list[OversightToken]:
    """Every token, oldest first (hashes only)."""
    return list(session.scalars(select(OversightToken).order_by(OversightToken.id)))


def revoke_token(session: Session, token_id: int, now: datetime) -> OversightToken:
    """Revoke a token at ``now``; revoking twice keeps the first time."""
    record = session.get(OversightToken, token_id) if 0 < token_id < 2**31 else None
    if record is None:
        raise NotFound(f"token {token_id}")
    if record.revoked_at is None:
        record.revoked_at = now
        session.flush()
    return record


def authenticate_token(session: Session, secret: str, now: datetime) -> OversightToken | None:
    """The valid token matching a presented secret, or None (unknown, expired or revoked)."""
    if not _TOKEN_SHAPE.fullmatch(secret):
        return None
    digest = hash_token(secret)
    record = session.scalar(select(OversightToken).where(OversightToken.token_hash == digest))
    if record is None or not hmac.compare_digest(record.token_hash, digest):
        return None
    return record if record.is_valid(now) else None
