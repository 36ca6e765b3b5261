"""A case's timeline: record events, and recompute its deadlines from the pinned guidance.

Deadlines are always recomputed from scratch from the stored facts (events, approved clock stops,
approved extensions) and the guidance version pinned on the case, then upserted by key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import timelines
from casework.cases.clock_models import (
    CaseEventRecord,
    ClockStop,
    Extension,
    RequestStatus,
)
from casework.cases.events import CaseEvent, emit
from casework.cases.models import Case, Deadline
from casework.db import id_in
from casework.guidance import CaseEvent as GuidanceEvent
from casework.guidance import GuidanceVersion, load_version
from casework.identity.models import Entity, EntityHoliday

_GUIDANCE_EVENTS = frozenset(event.value for event in GuidanceEvent)


def entity_calendar(session: Session, entity_id: int) -> timelines.WorkingCalendar:
    """Build an entity's working calendar from its weekend days and holiday rows."""
    entity = session.get(Entity, entity_id)
    weekend = frozenset({5, 6})
    if entity is not None and entity.weekend_days.strip():
        weekend = frozenset(int(day) for day in entity.weekend_days.split(",") if day.strip())
    holidays = session.scalars(
        select(EntityHoliday.day).where(EntityHoliday.entity_id == entity_id)
    )
    return timelines.WorkingCalendar(
        weekend=weekend, holidays=frozenset(date.fromisoformat(day) for day in holidays)
    )


def case_guidance(case: Case) -> GuidanceVersion:
    """Return the guidance version pinned on a case."""
    return load_version(case.guidance_version)


def record_event(
    session: Session,
    case: Case,
    name: str,
    at: datetime,
    actor_id: int | None,
    now: datetime,
    **details: object,
) -> None:
    """Store a timeline event of a case and announce it to listeners (same transaction)."""
    if name in _GUIDANCE_EVENTS:
        session.add(
            CaseEventRecord(case_id=case.id, name=name, at=at, recorded_at=now, actor_id=actor_id)
        )
        session.flush()
    emit(session, CaseEvent(name=name, case_id=case.id, at=at, actor_id=actor_id, details=details))


def event_times(session: Session, case_id: int) -> dict[str, datetime]:
    """Return when each guidance event of a case first happened."""
    first: dict[str, datetime] = {}
    rows = session.scalars(select(CaseEventRecord).where(CaseEventRecord.case_id == case_id))
    for row in rows:
        if row.name not in first or row.at < first[row.name]:
            first[row.name] = row.at
    return first


def approved_stops(session: Session, case_id: int) -> list[timelines.ClockStop]:
    """Return a case's approved clock stops as the timelines package models them."""
    rows = session.scalars(
        select(ClockStop)
        .where(ClockStop.case_id == case_id, ClockStop.status == RequestStatus.APPROVED)
        .order_by(ClockStop.started_at)
    )
    return approved_of(rows)


def approved_of(rows: Iterable[ClockStop]) -> list[timelines.ClockStop]:
    """Return the approved stops among rows already loaded, earliest first, as timelines does."""
    return [
        timelines.ClockStop(
            started_at=row.started_at,
            ended_at=row.ended_at,
            reason=timelines.StopReason(row.reason.value),
            approved_by=str(row.approved_by),
        )
        for row in sorted(rows, key=lambda row: row.started_at)
        if row.status is RequestStatus.APPROVED
    ]


def approved_extensions(session: Session, case_id: int) -> list[timelines.Extension]:
    """Return a case's approved extensions (the reason stays encrypted: it is not needed here)."""
    rows = session.scalars(
        select(Extension)
        .where(Extension.case_id == case_id, Extension.status == RequestStatus.APPROVED)
        .order_by(Extension.decided_at, Extension.id)
    )
    return [
        timelines.Extension(
            deadline_key=row.deadline_key,
            amount=row.amount,
            reason=f"extension {row.id}",
            approved_by=str(row.approved_by),
            granted_at=row.decided_at or row.requested_at,
        )
        for row in rows
    ]


def computed_deadlines(
    session: Session,
    case: Case,
    now: datetime,
    stops: list[timelines.ClockStop] | None = None,
) -> list[timelines.ComputedDeadline]:
    """Compute a case's deadlines from its stored facts and pinned guidance, without storing."""
    return timelines.compute_deadlines(
        case_guidance(case),
        entity_calendar(session, case.entity_id),
        event_times(session, case.id),
        now,
        stops=approved_stops(session, case.id) if stops is None else stops,
        extensions=approved_extensions(session, case.id),
    )


def open_stop_starts(stops: list[timelines.ClockStop]) -> list[datetime]:
    """Return when each approved clock stop still in force began."""
    return [stop.started_at for stop in stops if stop.ended_at is None]


def open_stop_starts_by_case(
    session: Session, case_ids: Iterable[int]
) -> dict[int, list[datetime]]:
    """Return, per case, when each approved clock stop still in force began (cases given only)."""
    wanted = sorted(set(case_ids))
    starts: dict[int, list[datetime]] = {}
    if not wanted:
        return starts
    rows = session.execute(
        select(ClockStop.case_id, ClockStop.started_at).where(
            id_in(ClockStop.case_id, wanted, session),
            ClockStop.status == RequestStatus.APPROVED,
            ClockStop.ended_at.is_(None),
        )
    )
    for case_id, started_at in rows:
        starts.setdefault(case_id, []).append(started_at)
    return starts


def _alerted_before(row: Deadline) -> set[timelines.Threshold]:
    # next_alert_at is the earliest threshold not yet alerted, so every threshold whose stored
    # instant lies before it has been alerted already; a row with none left had all alerted.
    instants = {timelines.Threshold.AMBER: row.amber_at, timelines.Threshold.RED: row.red_at}
    if row.ceiling_at is not None:
        instants[timelines.Threshold.CEILING] = row.ceiling_at
    if row.next_alert_at is None:
        return set(instants) if row.met_at is None else set()
    return {threshold for threshold, at in instants.items() if at < row.next_alert_at}


def recompute_deadlines(
    session: Session, case: Case, now: datetime, *, rearm: bool = False
) -> list[Deadline]:
    """Recompute a case's deadlines and upsert its Deadline rows, keeping alerted thresholds.

    A deadline held by an open clock stop gets no next alert (the scan never sees it). `rearm`
    (a stop just ended) re-arms unmet deadlines that had none: a held one resumes, and one
    fully alerted is scanned once more, harmlessly, since an alert is unique per threshold.
    """
    existing = {
        row.key: row for row in session.scalars(select(Deadline).where(Deadline.case_id == case.id))
    }
    stops = approved_stops(session, case.id)
    holding = open_stop_starts(stops)
    rows = []
    for computed in computed_deadlines(session, case, now, stops):
        row = existing.get(computed.key)
        alerted = _alerted_before(row) if row is not None else set()
        if rearm and row is not None and row.next_alert_at is None and row.met_at is None:
            alerted = set()
        if row is None:
            row = Deadline(case_id=case.id, key=computed.key)
            session.add(row)
        row.starts_at = computed.starts_at
        row.due_at = computed.due_at
        row.amber_at = computed.amber_at
        row.red_at = computed.red_at
        row.ceiling_at = computed.ceiling_at
        row.met_at = computed.met_at
        row.next_alert_at = (
            None
            # A closed case raises no alert: clearing its rows keeps them out of the scan's index.
            if case.closed_at is not None or timelines.held_by_stop(computed, holding)
            else timelines.next_alert_at(computed, alerted)
        )
        rows.append(row)
    session.flush()
    return rows
