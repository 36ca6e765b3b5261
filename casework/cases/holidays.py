"""An entity's holidays: adding or removing one moves the working-day deadlines of its open cases.

Deadlines are recomputed from the stored facts with the new calendar (casework.cases.timeline),
so thresholds already alerted stay alerted and nothing else about a case changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.cases.timeline import recompute_deadlines
from casework.errors import NotFound, ValidationFailed
from casework.identity.models import Entity, EntityHoliday

MAX_LABEL = 120
EARLIEST_YEAR = 1990
LATEST_YEAR = 2200


def parse_day(text: str) -> date | None:
    """Read an ISO date (YYYY-MM-DD) within the years a calendar may hold; None if it is not."""
    value = text.strip()
    if len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def holidays_of(session: Session, entity: Entity) -> list[EntityHoliday]:
    """Return an entity's holidays, earliest first."""
    return list(
        session.scalars(
            select(EntityHoliday)
            .where(EntityHoliday.entity_id == entity.id)
            .order_by(EntityHoliday.day)
        )
    )


def recompute_open_cases(session: Session, entity: Entity, now: datetime) -> int:
    """Recompute the deadlines of every open case of an entity; return how many cases."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.entity_id == entity.id,
            Case.closed_at.is_(None),
            Case.shredded_at.is_(None),
        )
        .order_by(Case.id)
    ).all()
    for case in cases:
        recompute_deadlines(session, case, now)
    return len(cases)


def add_holiday(
    session: Session, entity: Entity, day_text: str, label: str, now: datetime
) -> EntityHoliday:
    """Add a holiday to an entity's calendar and move its open cases' working-day deadlines."""
    errors: dict[str, str] = {}
    day = parse_day(day_text)
    if day is None:
        errors["day"] = f"is not a real date (YYYY-MM-DD, years {EARLIEST_YEAR} to {LATEST_YEAR})"
    elif session.scalar(
        select(EntityHoliday.id).where(
            EntityHoliday.entity_id == entity.id, EntityHoliday.day == day.isoformat()
        )
    ):
        errors["day"] = f"{day:%d %b %Y} is already a holiday of this entity"
    text = label.strip()
    if not text:
        errors["label"] = "name the holiday (e.g. Labour Day)"
    elif len(text) > MAX_LABEL:
        errors["label"] = f"must be at most {MAX_LABEL} characters"
    if errors or day is None:
        raise ValidationFailed(errors)
    # Insert-or-nothing on the unique (entity, day), so a concurrent add is refused, not a 500.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    holiday_id = session.scalar(
        insert(EntityHoliday)
        .values(entity_id=entity.id, day=day.isoformat(), label=text)
        .on_conflict_do_nothing(index_elements=["entity_id", "day"])
        .returning(EntityHoliday.id)
    )
    if holiday_id is None:
        raise ValidationFailed({"day": f"{day:%d %b %Y} is already a holiday of this entity"})
    holiday = session.get_one(EntityHoliday, holiday_id)
    session.expire(entity, ["holidays"])
    recompute_open_cases(session, entity, now)
    return holiday


def remove_holiday(session: Session, entity: Entity, holiday_id: int, now: datetime) -> None:
    """Remove a holiday from an entity's calendar and move its open cases' deadlines back."""
    holiday = session.get(EntityHoliday, holiday_id)
    if holiday is None or holiday.entity_id != entity.id:
        raise NotFound(f"holiday {holiday_id}")
    session.delete(holiday)
    session.flush()
    session.expire(entity, ["holidays"])
    recompute_open_cases(session, entity, now)
