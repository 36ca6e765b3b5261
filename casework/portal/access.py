"""Portal access: receipt codes and passphrases, server-side sessions, sign-in throttling.

Flush, never commit; `now` is passed in. A wrong code and a wrong passphrase are
indistinguishable: same answer, and one Argon2 verification either way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from casework.audit.services import record_audit
from casework.cases.models import Party
from casework.errors import NotFound
from casework.identity.passwords import hash_password, verify_password
from casework.keys.services import Keys
from casework.portal.models import PortalAccess, PortalFailure, PortalSession
from casework.portal.wordlist import WORDS

RECEIPT_INDEX = "portal_receipt"
CLIENT_INDEX = "portal_client"
# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
PASSPHRASE_WORDS = 6
IDLE = timedelta(minutes=20)
ABSOLUTE = timedelta(hours=2)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5


@dataclass(frozen=True)
class Credentials:
    """A receipt code and passphrase in clear: shown once, never stored."""

    code: str
    passphrase: str


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt: a session token, or why not."""

    token: str | None
    throttled: bool = False
    retry_after_seconds: int = 0


def new_receipt_code() -> str:
    """Return a random receipt code of 16 base32 characters in groups of four (80 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def new_passphrase() -> str:
    """Return six random words from the built-in wordlist."""
    return " ".join(secrets.choice(WORDS) for _ in range(PASSPHRASE_WORDS))


def normalise_code(code: str) -> str:
    """Canonical form of a typed receipt code: upper case, no separators, look-alikes mapped."""
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    return text.translate(str.maketrans("OIL", "011"))


def normalise_passphrase(passphrase: str) -> str:
    """Canonical form of a typed passphrase: lower case words separated by single spaces."""
    return " ".join(passphrase.lower().split())


def receipt_index(keys: Keys, code: str) -> str:
    """Return the blind index of a receipt code."""
    return keys.blind_index.compute(RECEIPT_INDEX, normalise_code(code))


def issue_portal_access(
    session: Session,
    keys: Keys,
    case_id: int,
    party_id: int,
    actor_id: int | None,
    now: datetime,
) -> Credentials:
    """Create a receipt code and passphrase for a party of a case; return them in clear once."""
    code = new_receipt_code()
    passphrase = new_passphrase()
    session.add(
        PortalAccess(
            case_id=case_id,
            party_id=party_id,
            receipt_index=receipt_index(keys, code),
            passphrase_hash=hash_password(normalise_passphrase(passphrase)),
            issued_at=now,
            issued_by=actor_id,
        )
    )
    session.flush()
    return Credentials(code, passphrase)


def reissue_portal_access(
    session: Session,
    keys: Keys,
    case_id: int,
    party_id: int,
    actor_id: int,
    now: datetime,
) -> tuple[str, str]:
    """Revoke a party's portal credentials and sessions; issue new ones (identity checked offline)."""
    party = session.get(Party, party_id)
    if party is None or party.case_id != case_id:
        raise NotFound(f"party {party_id} of case {case_id}")
    revoked = list(
        session.scalars(
            select(PortalAccess).where(
                PortalAccess.case_id == case_id,
                PortalAccess.party_id == party_id,
                PortalAccess.revoked_at.is_(None),
            )
        )
    )
    for access in revoked:
        access.revoked_at = now
    session.execute(
        update(PortalSession)
        .where(
            PortalSession.case_id == case_id,
            PortalSession.party_id == party_id,
            PortalSession.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    credentials = issue_portal_access(session, keys, case_id, party_id, actor_id, now)
    record_audit(session, actor_id, "portal.reissue", case_id, "staff", now)
    return credentials.code, credentials.passphrase


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
