"""Receipt codes and passphrases: issued at intake, re-issued by the case team after an offline
identity check. Flush, never commit; `now` is passed in; the clear values are returned once and
never stored (the code as a blind index, the passphrase as an Argon2id hash).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from casework.audit.services import record_audit
from casework.cases.models import Party, PartyRole
from casework.errors import NotFound, ValidationFailed
from casework.identity.passwords import hash_password
from casework.keys.services import Keys
from casework.receipts.models import PortalAccess, PortalSession
from casework.receipts.wordlist import WORDS

RECEIPT_INDEX = "portal_receipt"
# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
PASSPHRASE_WORDS = 6
# How the identity was checked offline: codes only, so the audit row holds no personal data.
IDENTITY_CHECKS = ("in_person", "video_call", "call_back", "trusted_intermediary")


@dataclass(frozen=True)
class Credentials:
    """A receipt code and passphrase in clear: shown once, never stored."""

    code: str
    passphrase: str


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


def portal_parties(session: Session, case_id: int) -> list[Party]:
    """The parties of a case who may hold portal access: affected persons and past holders."""
    holders = select(PortalAccess.party_id).where(PortalAccess.case_id == case_id)
    return list(
        session.scalars(
            select(Party)
            .where(
                Party.case_id == case_id,
                or_(Party.role == PartyRole.AFFECTED, Party.id.in_(holders)),
            )
            .order_by(Party.id)
        )
    )


def has_live_access(session: Session, party_id: int) -> bool:
    """Tell whether a party holds a receipt code that has not been revoked."""
    live = session.scalar(
        select(PortalAccess.id)
        .where(PortalAccess.party_id == party_id, PortalAccess.revoked_at.is_(None))
        .limit(1)
    )
    return live is not None


def reissue_portal_access(
    session: Session,
    keys: Keys,
    case_id: int,
    party_id: int,
    actor_id: int,
    now: datetime,
    *,
    identity_check: str,
    source: str,
) -> Credentials:
    """Revoke a party's codes, end the case's portal sessions and issue new credentials.

    The caller has checked the person's identity offline (`identity_check` says how, as one of
    IDENTITY_CHECKS); the audit entry records the actor, the case and that code, nothing else.
    """
    if identity_check not in IDENTITY_CHECKS:
        raise ValidationFailed({"identity_check": "choose how the identity was checked"})
    if party_id not in {p.id for p in portal_parties(session, case_id)}:
        raise NotFound(f"party {party_id} of case {case_id}")
    session.execute(
        update(PortalAccess)
        .where(
            PortalAccess.case_id == case_id,
            PortalAccess.party_id == party_id,
            PortalAccess.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    # Every open visit of the case ends: whoever held the old code is signed out at once.
    session.execute(
        update(PortalSession)
        .where(PortalSession.case_id == case_id, PortalSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session="fetch")
    )
    credentials = issue_portal_access(session, keys, case_id, party_id, actor_id, now)
    record_audit(session, actor_id, f"portal.reissue.{identity_check}", case_id, source, now)
    return credentials
