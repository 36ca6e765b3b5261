"""The benchmarks' own entity, staff and cases, made through the real services and keys.

A benchmark assumes nothing about the generated data beyond the schema: it makes a fresh entity
(a random code, so reruns on one database never collide), its own staff with a password and a
TOTP secret, and its own cases, and leaves the generated data untouched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from flask import Flask
from sqlalchemy.orm import Session

from bench.context import BenchContext
from bench.servers import production_env
from casework.app import create_app
from casework.cases.models import Case, PartyRole, Priority
from casework.cases.services import NewCase, NewParty, open_case
from casework.config import load_settings
from casework.guidance_defaults import DEFAULT_GUIDANCE_VERSION
from casework.identity.access import AccessChange, assign
from casework.identity.models import AssignmentRole, Entity, Role, StaffUser
from casework.identity.signin import totp_box
from casework.identity.users import create_user
from casework.keys.services import Keys

NARRATIVE = (
    "Met the affected person at the regional office. She described two further incidents in "
    "the weekly team meeting and named a colleague who was present; follow-up agreed by phone. "
)


@dataclass(frozen=True)
class BenchUser:
    """A staff user the benchmark can sign in as."""

    id: int
    username: str
    password: str
    totp_secret: str


def bench_app(context: BenchContext) -> Flask:
    """The application on the benchmark's database, as a production process builds it."""
    return create_app(load_settings(production_env(context)))


def new_entity(session: Session, now: datetime, prefix: str) -> Entity:
    """A fresh entity with a random code (`prefix` + 4 hex digits)."""
    code = f"{prefix}{secrets.token_hex(2).upper()}"
    entity = Entity(
        code=code,
        name=f"Benchmark {code}",
        reference_prefix=code[:8],
        guidance_version=DEFAULT_GUIDANCE_VERSION,
        created_at=now,
    )
    session.add(entity)
    session.flush()
    return entity


def new_staff(
    session: Session, keys: Keys, entity: Entity, role: Role, username: str, now: datetime
) -> BenchUser:
    """A staff user with one role, created like `casework users create` does."""
    credentials = create_user(
        session,
        totp_box(keys),
        username,
        role,
        entity,
        now,
        display_name=username,
        email=f"{username}@bench.example.org",
    )
    secret = pyotp.parse_uri(credentials.totp_uri).secret
    return BenchUser(credentials.user_id, username.lower(), credentials.password, secret)


def new_case(
    session: Session, keys: Keys, entity: Entity, actor_id: int, now: datetime, number: int
) -> Case:
    """A case in intake with an affected person (e-mail, phone), a subject and one allegation."""
    return open_case(
        session,
        keys,
        entity,
        NewCase(
            category="verbal",
            intake_channel="email",
            received_at=now - timedelta(days=2),
            priority=Priority.NORMAL,
            parties=(
                NewParty(
                    PartyRole.AFFECTED,
                    f"Bench Person {number}",
                    f"p{number}@bench.example.org",
                    "+41 22 000 0000",
                ),
                NewParty(PartyRole.SUBJECT, f"Bench Subject {number}"),
            ),
            allegations=("Repeated unwelcome comments of a sexual nature in team meetings.",),
        ),
        actor_id,
        now,
    )


def assign_lead(
    session: Session, supervisor: StaffUser, case: Case, user: StaffUser, now: datetime
) -> None:
    """Make a user the case's lead investigator, as a supervisor would."""
    assign(session, AccessChange(supervisor, "bench", now), case, user, AssignmentRole.LEAD)
