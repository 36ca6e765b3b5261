"""Factories for test data, built through the real services and keys."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from casework.cases.models import Case, PartyRole
from casework.cases.services import NewCase, NewParty, open_case
from casework.guidance_defaults import DEFAULT_GUIDANCE_VERSION
from casework.identity.models import Entity, Role, RoleGrant, StaffUser
from casework.identity.passwords import hash_password
from casework.keys.services import Keys

_serial = itertools.count(1)


def make_entity(session: Session, now: datetime, code: str | None = None) -> Entity:
    """An entity with its own reference prefix."""
    code = code or f"E{next(_serial):02d}"
    entity = Entity(
        code=code,
        name=f"Entity {code}",
        reference_prefix=code,
        guidance_version=DEFAULT_GUIDANCE_VERSION,
        created_at=now,
    )
    session.add(entity)
    session.flush()
    return entity


def make_staff(
    session: Session,
    entity: Entity | None,
    role: Role,
    now: datetime,
    password: str = "pw-Secret-1",
) -> StaffUser:
    """A staff user holding one role in an entity."""
    number = next(_serial)
    user = StaffUser(
        username=f"user{number}",
        display_name=f"User {number}",
        email=f"user{number}@example.org",
        password_hash=hash_password(password),
        totp_secret_ct=None,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    if entity is not None:
        session.add(RoleGrant(user_id=user.id, entity_id=entity.id, role=role))
        session.flush()
    return user


def make_case(
    session: Session,
    keys: Keys,
    entity: Entity,
    now: datetime,
    affected_name: str = "Affected Person",
    affected_email: str | None = "affected@example.org",
    subject_name: str = "Subject Person",
    allegation: str = "Unwelcome comments of a sexual nature.",
    received_days_ago: int = 0,
) -> Case:
    """A case in intake with an affected person and a subject."""
    return open_case(
        session,
        keys,
        entity,
        NewCase(
            category="verbal",
            intake_channel="email",
            received_at=now - timedelta(days=received_days_ago),
            parties=(
                NewParty(PartyRole.AFFECTED, affected_name, affected_email, "+41 22 917 1234"),
                NewParty(PartyRole.SUBJECT, subject_name),
            ),
            allegations=(allegation,),
        ),
        actor_id=None,
        now=now,
    )
