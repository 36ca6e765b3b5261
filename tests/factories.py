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


def make_holiday(session: Session, entity: Entity, day: str, label: str = "Holiday") -> None:
    """A holiday (ISO date) in an entity's working calendar."""
    from casework.identity.models import EntityHoliday

    session.add(EntityHoliday(entity_id=entity.id, day=day, label=label))
    session.flush()


def make_case_received_at(
    session: Session, keys: Keys, entity: Entity, received_at: datetime, now: datetime
) -> Case:
    """A case in intake received at an exact instant."""
    return open_case(
        session,
        keys,
        entity,
        NewCase(
            category="verbal",
            intake_channel="email",
            received_at=received_at,
            parties=(
                NewParty(PartyRole.AFFECTED, "Affected Person", "affected@example.org"),
                NewParty(PartyRole.SUBJECT, "Subject Person"),
            ),
            allegations=("Unwelcome comments of a sexual nature.",),
        ),
        actor_id=None,
        now=now,
    )


def make_metadata_case(
    session: Session,
    entity: Entity,
    stages: list[tuple[str, datetime]],
    outcome: str | None = None,
    category: str = "verbal",
) -> Case:
    """A case of plaintext metadata only (no parties, no key): statistics read nothing else.

    ``stages`` is the stage history, oldest first, starting with intake at receipt; a last entry
    of ``closed`` closes the case with ``outcome``.
    """
    from casework.cases.models import Outcome, Priority, Stage, StageChange

    last_stage, last_at = stages[-1]
    closed = last_stage == "closed"
    case = Case(
        entity_id=entity.id,
        stage=Stage(last_stage),
        category=category,
        priority=Priority.NORMAL,
        intake_channel="email",
        guidance_version=entity.guidance_version,
        opened_at=stages[0][1],
        closed_at=last_at if closed else None,
        outcome=Outcome(outcome) if closed and outcome else None,
    )
    session.add(case)
    session.flush()
    previous: Stage | None = None
    for stage, at in stages:
        session.add(
            StageChange(
                case_id=case.id,
                from_stage=previous,
                to_stage=Stage(stage),
                changed_at=at,
                outcome=Outcome(outcome) if stage == "closed" and outcome else None,
            )
        )
        previous = Stage(stage)
    session.flush()
    return case


def make_oversight_token(
    session: Session, now: datetime, scopes: tuple[str, ...] = ("system",), days: int = 90
) -> str:
    """An oversight token's secret, for the given scopes."""
    from casework.oversight.services import create_token

    return create_token(session, "Test oversight body", scopes, days, now).secret


_PASSWORD_HASHES: dict[str, str] = {}


def make_user(
    session: Session,
    entity: Entity | None,
    role: Role,
    now: datetime,
    password: str = "pw-Secret-1",
) -> StaffUser:
    """A staff user holding one role (entity None: system-wide), hashing each password once."""
    if password not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[password] = hash_password(password)
    number = next(_serial)
    user = StaffUser(
        username=f"user{number}",
        display_name=f"User {number}",
        email=f"user{number}@example.org",
        password_hash=_PASSWORD_HASHES[password],
        totp_secret_ct=None,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    session.add(RoleGrant(user_id=user.id, entity_id=entity.id if entity else None, role=role))
    session.flush()
    return user


def make_contact_preference(
    session: Session, case: Case, now: datetime, consent: bool = True, language: str = "en"
) -> None:
    """Record the affected person's contact preference (e-mail, consent given or not)."""
    from casework.notifications.rules import set_contact_preference

    party = next(p for p in case.parties if p.role is PartyRole.AFFECTED)
    set_contact_preference(session, party.id, now, consent=consent, language=language)


# The same factory under the name the workflow tests use.
make_staff = make_user
