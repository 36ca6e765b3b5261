"""Administration of staff users and their roles. Services flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.crypto import SecretBox
from casework.errors import NotFound, ValidationFailed
from casework.identity.models import Entity, Role, RoleGrant, StaffUser
from casework.identity.passwords import hash_password
from casework.identity.signin import (
    disable_user,
    end_user_sessions,
    new_totp_secret,
    one_time_password,
    provisioning_uri,
    set_totp_secret,
)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
SYSTEM_ROLES = (Role.ADMINISTRATOR, Role.OVERSIGHT)


@dataclass(frozen=True)
class Credentials:
    """What an administrator hands over once: a one-time password and the TOTP URI."""

    user_id: int
    password: str
    totp_uri: str


def entity_by_code(session: Session, code: str) -> Entity:
    """Return an entity by its code or raise NotFound."""
    entity = session.scalar(select(Entity).where(Entity.code == code.strip().upper()))
    if entity is None:
        raise NotFound(f"entity {code!r}")
    return entity


def grant_role(session: Session, user: StaffUser, role: Role, entity: Entity | None) -> RoleGrant:
    """Give a user a role in an entity (administrator and oversight: system-wide, no entity)."""
    if (role in SYSTEM_ROLES) != (entity is None):
        raise ValidationFailed(
            {
                "entity": "administrator and oversight roles take no entity; every other role needs one"
            }
        )
    entity_id = entity.id if entity else None
    for grant in user.grants:
        if grant.role is role and grant.entity_id == entity_id:
            return grant
    grant = RoleGrant(user_id=user.id, entity_id=entity_id, role=role)
    user.grants.append(grant)
    session.flush()
    return grant


def revoke_grant(session: Session, user: StaffUser, grant_id: int) -> None:
    """Remove one role grant from a user."""
    for grant in list(user.grants):
        if grant.id == grant_id:
            user.grants.remove(grant)
            session.flush()
            return
    raise NotFound(f"grant {grant_id}")


def create_user(
    session: Session,
    box: SecretBox,
    username: str,
    role: Role,
    entity: Entity | None,
    now: datetime,
    display_name: str = "",
    email: str = "",
) -> Credentials:
    """Create a user with one role, a one-time password and a TOTP secret; returns them once."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise ValidationFailed({"username": "2-80 characters: a-z, 0-9, dot, dash, underscore"})
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise ValidationFailed({"username": "is taken"})
    password = one_time_password()
    user = StaffUser(
        username=username,
        display_name=display_name.strip()[:200] or username,
        email=email.strip()[:254],
        password_hash=hash_password(password),
        totp_secret_ct=None,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    grant_role(session, user, role, entity)
    secret = new_totp_secret()
    set_totp_secret(user, box, secret)
    session.flush()
    return Credentials(user.id, password, provisioning_uri(user, secret))


def reset_password(session: Session, user: StaffUser, now: datetime) -> str:
    """Give a user a new one-time password (returned once) and end their sessions."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_user_sessions(session, user.id, "password_reset", now)
    return password


def reset_totp(session: Session, box: SecretBox, user: StaffUser, now: datetime) -> str:
    """Give a user a new TOTP secret, end their sessions; returns the provisioning URI once."""
    secret = new_totp_secret()
    set_totp_secret(user, box, secret)
    end_user_sessions(session, user.id, "totp_reset", now)
    return provisioning_uri(user, secret)


def disable(session: Session, user: StaffUser, now: datetime) -> None:
    """Disable a user: every session ends on its next request."""
    disable_user(session, user, now)


def list_users(session: Session) -> list[StaffUser]:
    """Return every staff user by user name."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def get_user(session: Session, user_id: int) -> StaffUser:
    """Return a user by id or raise NotFound."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user
