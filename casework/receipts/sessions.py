"""Portal sign-in with a receipt code and passphrase: throttling, server-side sessions, cleanup.

Flush, never commit; `now` is passed in. A wrong code and a wrong passphrase are
indistinguishable: same answer, and one Argon2 verification either way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from casework.identity.passwords import hash_password, verify_password
from casework.keys.services import Keys
from casework.receipts.credentials import normalise_passphrase, receipt_index
from casework.receipts.models import PortalAccess, PortalFailure, PortalSession

CLIENT_INDEX = "portal_client"
IDLE = timedelta(minutes=20)
ABSOLUTE = timedelta(hours=2)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt: a session token, or why not."""

    token: str | None
    throttled: bool = False
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class CleanupReport:
    """What one cleanup run deleted: counts only."""

    sessions: int
    failures: int


@cache
def _dummy_hash() -> str:
    # Verified when the code is unknown, so an unknown code costs what a wrong passphrase costs.
    return hash_password("portal dummy passphrase never issued")


def client_key(keys: Keys, address: str) -> str:
    """Return the throttling key of a client address (keyed hash: no address is stored)."""
    return "a:" + keys.blind_index.compute(CLIENT_INDEX, address)


def _failures(session: Session, key: str, now: datetime) -> list[datetime]:
    rows = session.scalars(
        select(PortalFailure.at).where(
            PortalFailure.key == key, PortalFailure.at > now - FAILURE_WINDOW
        )
    )
    return list(rows)


def _retry_after(session: Session, keys_: list[str], now: datetime) -> int:
    worst = 0
    for key in keys_:
        times = sorted(_failures(session, key, now))
        if len(times) >= MAX_FAILURES:
            # Allowed again once the oldest failure that counts leaves the window.
            free_at = times[len(times) - MAX_FAILURES] + FAILURE_WINDOW
            worst = max(worst, int((free_at - now).total_seconds()) + 1)
    return worst


def sign_in(
    session: Session, keys: Keys, code: str, passphrase: str, address: str, now: datetime
) -> SignInResult:
    """Check a receipt code and passphrase, throttled per code and per client; open a session."""
    index = receipt_index(keys, code)
    throttle_keys = ["c:" + index, client_key(keys, address)]
    wait = _retry_after(session, throttle_keys, now)
    if wait:
        return SignInResult(None, throttled=True, retry_after_seconds=wait)
    access = session.scalar(
        select(PortalAccess).where(
            PortalAccess.receipt_index == index, PortalAccess.revoked_at.is_(None)
        )
    )
    typed = normalise_passphrase(passphrase)
    if access is None:
        verify_password(_dummy_hash(), typed)
        ok = False
    else:
        ok = verify_password(access.passphrase_hash, typed)
    if access is None or not ok:
        for key in throttle_keys:
            session.add(PortalFailure(key=key, at=now))
        session.flush()
        return SignInResult(None)
    session.execute(delete(PortalFailure).where(PortalFailure.key == throttle_keys[0]))
    return SignInResult(start_session(session, access, now))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, access: PortalAccess, now: datetime) -> str:
    """Open a new server-side portal session; return its token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        PortalSession(
            id_hash=_hash_token(token),
            access_id=access.id,
            case_id=access.case_id,
            party_id=access.party_id,
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def load_session(session: Session, token: str, now: datetime) -> PortalSession | None:
    """Return the live session of a token and mark it seen; None if unknown, ended or expired."""
    row = session.get(PortalSession, _hash_token(token))
    if row is None or row.ended_at is not None:
        return None
    access = session.get(PortalAccess, row.access_id)
    expired = now - row.last_seen_at > IDLE or now - row.created_at > ABSOLUTE
    if expired or access is None or access.revoked_at is not None:
        row.ended_at = now
        session.flush()
        return None
    row.last_seen_at = now
    session.flush()
    return row


def end_session(session: Session, token: str, now: datetime) -> None:
    """End a portal session (sign-out)."""
    row = session.get(PortalSession, _hash_token(token))
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.flush()


def failure_count(session: Session, key: str, now: datetime) -> int:
    """Count a throttling key's failures in the current window (for tests and operators)."""
    count = session.scalar(
        select(func.count())
        .select_from(PortalFailure)
        .where(PortalFailure.key == key, PortalFailure.at > now - FAILURE_WINDOW)
    )
    return int(count or 0)


def purge_portal_records(session: Session, now: datetime) -> CleanupReport:
    """Delete ended or expired portal sessions and failures older than the throttling window."""
    sessions = session.execute(
        delete(PortalSession)
        .where(
            or_(
                PortalSession.ended_at.is_not(None),
                PortalSession.last_seen_at < now - IDLE,
                PortalSession.created_at < now - ABSOLUTE,
            )
        )
        .execution_options(synchronize_session=False)
    )
    failures = session.execute(
        delete(PortalFailure)
        .where(PortalFailure.at <= now - FAILURE_WINDOW)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return CleanupReport(
        sessions=int(getattr(sessions, "rowcount", 0) or 0),
        failures=int(getattr(failures, "rowcount", 0) or 0),
    )
