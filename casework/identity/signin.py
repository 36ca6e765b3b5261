"""Staff sign-in: passwords, TOTP second factor, recovery codes, throttling, server-side sessions.

Services flush, never commit. Raw session tokens and recovery codes are returned once to the
boundary and stored only as SHA-256 hashes; TOTP secrets are stored encrypted (SecretBox).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from casework.crypto import SecretBox, constant_time_equal, sha256_hex
from casework.errors import NotFound, ValidationFailed
from casework.identity.actor import Actor, Grant
from casework.identity.models import (
    LoginAttempt,
    RecoveryCode,
    RoleGrant,
    StaffSession,
    StaffUser,
)
from casework.identity.passwords import hash_password, verify_password
from casework.keys.services import Keys

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
MIN_PASSWORD_LENGTH = 12
RECOVERY_CODES = 10
TOTP_ISSUER = "Casework"
_dummy_hash: list[str] = []


def _timing_hash() -> str:
    """A hash to verify against when the user is unknown (made once, lazily)."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password("timing-equaliser-not-a-password"))
    return _dummy_hash[0]


class SignInRefused(Exception):
    """Sign-in failed; the message is the same whatever the reason (no account enumeration)."""


class SignInThrottled(SignInRefused):
    """Too many failed attempts for this account or client address; try again later."""


def totp_box(keys: Keys) -> SecretBox:
    """Return the box that encrypts TOTP secrets at rest."""
    return keys.blind_index.secret_box("staff_users.totp_secret")


def _totp_aad(user_id: int) -> str:
    return f"staff_users|{user_id}|totp_secret"


def new_totp_secret() -> str:
    """Return a fresh random base32 TOTP secret (160 bits)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def set_totp_secret(user: StaffUser, box: SecretBox, secret: str) -> None:
    """Store a user's TOTP secret encrypted, bound to the user id (the user must be flushed)."""
    user.totp_secret_ct = box.encrypt(secret, _totp_aad(user.id))
    user.totp_last_step = None


def totp_secret(user: StaffUser, box: SecretBox) -> str | None:
    """Decrypt a user's TOTP secret, if enrolled."""
    if user.totp_secret_ct is None:
        return None
    return box.decrypt(user.totp_secret_ct, _totp_aad(user.id))


def provisioning_uri(user: StaffUser, secret: str) -> str:
    """Return the otpauth:// URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def current_totp(secret: str, now: datetime) -> str:
    """Return the TOTP code valid at `now` (demo and tests)."""
    return str(pyotp.TOTP(secret).at(now))


def is_throttled(session: Session, username: str, address: str, now: datetime) -> bool:
    """Tell whether failures for this account (since its last success) or address exceed limits."""
    since = now - THROTTLE_WINDOW
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded
        )
    )
    account_since = max(since, last_success) if last_success else since
    account = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == username,
            ~LoginAttempt.succeeded,
            LoginAttempt.at > account_since,
        )
    )
    by_address = session.scalar(
        select(func.count()).where(
            LoginAttempt.client_address == address, ~LoginAttempt.succeeded, LoginAttempt.at > since
        )
    )
    return (account or 0) >= MAX_ACCOUNT_FAILURES or (by_address or 0) >= MAX_ADDRESS_FAILURES


def record_attempt(
    session: Session, username: str, address: str, now: datetime, succeeded: bool
) -> None:
    """Record one sign-in attempt (either factor) for throttling."""
    session.add(
        LoginAttempt(
            username=username[:80], client_address=address[:64], at=now, succeeded=succeeded
        )
    )
    session.flush()


def check_password(
    session: Session, username: str, password: str, address: str, now: datetime
) -> StaffUser:
    """Return the active user whose password matches; else record a failure and refuse."""
    username = username.strip().lower()[:80]
    if is_throttled(session, username, address, now):
        record_attempt(session, username, address, now, succeeded=False)
        raise SignInThrottled("too many failed attempts; wait 15 minutes")
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    # Hash even for an unknown user, so timing does not tell which accounts exist.
    matches = verify_password(user.password_hash if user else _timing_hash(), password)
    if user is None or not matches or not user.is_active:
        record_attempt(session, username, address, now, succeeded=False)
        raise SignInRefused("unknown user name or wrong password")
    return user


def _hash_code(code: str) -> str:
    return sha256_hex(code.strip().replace("-", "").replace(" ", "").upper())


def _check_totp(user: StaffUser, box: SecretBox, code: str, now: datetime) -> bool:
    secret = totp_secret(user, box)
    code = code.strip().replace(" ", "")
    if secret is None or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step, step - 1, step + 1):
        if user.totp_last_step is not None and candidate <= user.totp_last_step:
            continue
        if constant_time_equal(totp.generate_otp(candidate), code):
            user.totp_last_step = candidate
            return True
    return False


def _use_recovery_code(session: Session, user: StaffUser, code: str, now: datetime) -> bool:
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    return True


def check_second_factor(
    session: Session, box: SecretBox, user: StaffUser, code: str, address: str, now: datetime
) -> None:
    """Accept a current TOTP code (once) or an unused recovery code; else record and refuse."""
    if is_throttled(session, user.username, address, now):
        record_attempt(session, user.username, address, now, succeeded=False)
        raise SignInThrottled("too many failed attempts; wait 15 minutes")
    if not user.is_active or not (
        _check_totp(user, box, code, now) or _use_recovery_code(session, user, code, now)
    ):
        record_attempt(session, user.username, address, now, succeeded=False)
        raise SignInRefused("wrong or already used code")
    record_attempt(session, user.username, address, now, succeeded=True)


def new_recovery_codes(session: Session, user: StaffUser, now: datetime) -> list[str]:
    """Replace a user's recovery codes with fresh ones; returns them once, stores hashes."""
    for row in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(row)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw), created_at=now))
    session.flush()
    return codes


@dataclass(frozen=True)
class SessionPolicy:
    """Idle and absolute lifetimes of a staff session."""

    idle: timedelta
    absolute: timedelta


def start_session(
    session: Session,
    user: StaffUser,
    address: str,
    now: datetime,
    second_factor_given: bool = False,
) -> str:
    """Open a session (awaiting the second factor unless given); returns the raw cookie token."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            second_factor_at=now if second_factor_given else None,
            client_address=address[:64],
        )
    )
    session.flush()
    return token


def complete_sign_in(session: Session, staff_session: StaffSession, now: datetime) -> str:
    """Mark the second factor given and rotate the session id; returns the new raw token."""
    token = secrets.token_urlsafe(32)
    staff_session.token_hash = sha256_hex(token)
    staff_session.second_factor_at = now
    staff_session.last_seen_at = now
    session.flush()
    return token


# The session, its user and the user's grants in one round trip of plain rows (one per grant):
# every staff request runs it, and loading the three as ORM objects cost twice as much.
_LIVE_SESSION = (
    select(
        StaffSession.id,
        StaffSession.created_at,
        StaffSession.last_seen_at,
        StaffSession.second_factor_at,
        StaffSession.ended_at,
        StaffUser.id.label("user_id"),
        StaffUser.is_active,
        StaffUser.password_changed_at,
        RoleGrant.entity_id,
        RoleGrant.role,
    )
    .join(StaffUser, StaffUser.id == StaffSession.user_id)
    .outerjoin(RoleGrant, RoleGrant.user_id == StaffUser.id)
    .where(StaffSession.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class LiveSession:
    """A live staff session as of the start of a request, with its user as `Actor`."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    second_factor_at: datetime | None
    actor: Actor


def _end_reason(row: Any, policy: SessionPolicy, now: datetime) -> str | None:
    """Why a session row may no longer be used (None: it may)."""
    if not row.is_active:
        return "user_disabled"
    if row.created_at < row.password_changed_at:
        return "password_changed"
    if now - row.last_seen_at > policy.idle:
        return "idle_timeout"
    if now - row.created_at > policy.absolute:
        return "absolute_timeout"
    return None


def find_live_session(
    session: Session, token: str, policy: SessionPolicy, now: datetime
) -> LiveSession | None:
    """Return the live session of a raw token; ends it if idle or too old; None if not live."""
    if not token or len(token) > 200:
        return None
    rows = session.connection().execute(_LIVE_SESSION, {"token_hash": sha256_hex(token)}).all()
    if not rows or rows[0].ended_at is not None:
        return None
    first = rows[0]
    reason = _end_reason(first, policy, now)
    if reason is not None:
        end_session(session, first.id, reason, now)
        return None
    grants = tuple(Grant(row.entity_id, row.role) for row in rows if row.role is not None)
    return LiveSession(
        id=first.id,
        created_at=first.created_at,
        last_seen_at=first.last_seen_at,
        second_factor_at=first.second_factor_at,
        actor=Actor(id=first.user_id, is_active=first.is_active, grants=grants),
    )


def touch_session(session: Session, live: LiveSession, now: datetime) -> bool:
    """Record activity at most once a minute (keeps writes low); tells whether it wrote."""
    if now - live.last_seen_at < timedelta(minutes=1):
        return False
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == live.id, StaffSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )
    return True


def end_session(session: Session, session_id: int, reason: str, now: datetime) -> None:
    """End one session (sign-out, timeout, an administrator), unless it has ended already."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason[:40])
    )


def end_user_sessions(session: Session, user_id: int, reason: str, now: datetime) -> int:
    """End every live session of a user; returns how many were ended."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason[:40])
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def live_sessions(session: Session, now: datetime, policy: SessionPolicy) -> list[StaffSession]:
    """Return sessions not ended and not past their timeouts, newest first."""
    return list(
        session.scalars(
            select(StaffSession)
            .where(
                StaffSession.ended_at.is_(None),
                StaffSession.last_seen_at > now - policy.idle,
                StaffSession.created_at > now - policy.absolute,
            )
            .order_by(StaffSession.id.desc())
        )
    )


def check_new_password(password: str) -> None:
    """Refuse a password that is too short or too long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= 256:
        raise ValidationFailed(
            {"password": f"must be {MIN_PASSWORD_LENGTH} to 256 characters long"}
        )


def set_password(session: Session, user: StaffUser, password: str, now: datetime) -> None:
    """Set a new password and end every session of the user."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_user_sessions(session, user.id, "password_changed", now)


def change_password(
    session: Session, user: StaffUser, current: str, new: str, now: datetime
) -> None:
    """Change one's own password after checking the current one; ends every session."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current_password": "is wrong"})
    set_password(session, user, new, now)


def one_time_password() -> str:
    """Return a random password for an administrator to hand over (to be changed)."""
    return secrets.token_urlsafe(15)


def disable_user(session: Session, user: StaffUser, now: datetime) -> None:
    """Disable a user and end their sessions."""
    user.is_active = False
    end_user_sessions(session, user.id, "user_disabled", now)


def user_by_name(session: Session, username: str) -> StaffUser:
    """Return a user by user name or raise NotFound."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"user {username!r}")
    return user
