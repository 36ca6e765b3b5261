"""The synthetic organisations: entities of the UN system with staff, weekends and holidays."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import timelines
from casework.guidance_defaults import DEFAULT_GUIDANCE_VERSION
from casework.identity.models import Entity, EntityHoliday, Role, RoleGrant, StaffUser
from casework.identity.passwords import hash_password
from casework.synthetic.rows import EntityPlan

ENTITY_COUNT = 36
CODE_PREFIX = "SYN"
# Fixed-date holidays every synthetic entity observes, month and day.
_HOLIDAYS = ((1, 1, "New Year's Day"), (5, 1, "Labour Day"), (12, 25, "Christmas Day"))


def entity_weights() -> list[float]:
    """Share of cases per synthetic entity: a few large entities, a long tail of small ones."""
    raw = [1 / (rank + 1) ** 0.9 for rank in range(ENTITY_COUNT)]
    total = sum(raw)
    return [weight / total for weight in raw]


def _code(rank: int) -> str:
    return f"{CODE_PREFIX}{rank + 1:02d}"


def _user(session: Session, username: str, password_hash: str, now: datetime) -> StaffUser:
    user = StaffUser(
        username=username,
        display_name=username.replace(".", " ").title(),
        email=f"{username}@staff.example.org",
        password_hash=password_hash,
        is_active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    return user


def _create_entity(
    session: Session, rank: int, weight: float, password_hash: str, now: datetime, years: range
) -> None:
    code = _code(rank)
    entity = Entity(
        code=code,
        name=f"Synthetic entity {rank + 1}",
        reference_prefix=code,
        guidance_version=DEFAULT_GUIDANCE_VERSION,
        # Every fifth entity keeps a Friday-Saturday weekend.
        weekend_days="4,5" if rank % 5 == 4 else "5,6",
        created_at=now,
    )
    session.add(entity)
    session.flush()
    for year in years:
        for month, day, label in _HOLIDAYS:
            iso = date(year, month, day).isoformat()
            session.add(EntityHoliday(entity_id=entity.id, day=iso, label=label))
    staff = [("intake1", Role.INTAKE_OFFICER), ("supervisor", Role.SUPERVISOR)]
    staff += [("decision", Role.DECISION_MAKER), ("head", Role.HEAD_OF_ENTITY)]
    staff += [(f"investigator{n + 1}", Role.INVESTIGATOR) for n in range(2 + round(60 * weight))]
    for suffix, role in staff:
        user = _user(session, f"{code.lower()}.{suffix}", password_hash, now)
        session.flush()
        session.add(RoleGrant(user_id=user.id, entity_id=entity.id, role=role))


def ensure_entities(session: Session, now: datetime, years: range) -> list[EntityPlan]:
    """Create the synthetic entities and their staff once; return what rows need of them."""
    existing = session.scalar(select(Entity).where(Entity.code == _code(0)))
    if existing is None:
        # One shared hash: synthetic staff never sign in, and Argon2 per user would dominate.
        password_hash = hash_password("synthetic-staff-cannot-sign-in")
        for rank, weight in enumerate(entity_weights()):
            _create_entity(session, rank, weight, password_hash, now, years)
        session.flush()
    return [_plan(session, _code(rank)) for rank in range(ENTITY_COUNT)]


def _plan(session: Session, code: str) -> EntityPlan:
    entity = session.scalars(select(Entity).where(Entity.code == code)).one()
    grants = session.execute(
        select(RoleGrant.role, RoleGrant.user_id)
        .where(RoleGrant.entity_id == entity.id)
        .order_by(RoleGrant.user_id)
    ).all()
    by_role: dict[Role, list[int]] = {}
    for role, user_id in grants:
        by_role.setdefault(role, []).append(user_id)
    holidays = session.scalars(
        select(EntityHoliday.day).where(EntityHoliday.entity_id == entity.id)
    )
    weekend = frozenset(int(day) for day in entity.weekend_days.split(","))
    return EntityPlan(
        entity_id=entity.id,
        prefix=entity.reference_prefix,
        calendar=timelines.WorkingCalendar(
            weekend=weekend, holidays=frozenset(date.fromisoformat(day) for day in holidays)
        ),
        investigators=tuple(by_role[Role.INVESTIGATOR]),
        supervisor=by_role[Role.SUPERVISOR][0],
        decision_maker=by_role[Role.DECISION_MAKER][0],
    )


def synthetic_entity_ids(plans: list[EntityPlan]) -> list[int]:
    """The ids of the synthetic entities."""
    return [plan.entity_id for plan in plans]
