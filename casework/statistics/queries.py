"""Read the plaintext metadata behind the statistics: never a ciphertext column, never a key.

Each query selects named plaintext columns into small frozen rows, so no ``Case`` object (and
so no ``*_ct`` column) is ever loaded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.clock_models import ClockStop, Extension, RequestStatus
from casework.cases.models import Case, StageChange
from casework.identity.models import Entity
from casework.notifications.models import DeadlineAlert, Disclosure, DisclosureStatus


@dataclass(frozen=True)
class CaseRow:
    """The metadata of one case that the tables count."""

    case_id: int
    entity: str
    category: str
    guidance_version: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class StageChangeRow:
    """One entry of the stage history, with the case it belongs to."""

    case_id: int
    to_stage: str
    changed_at: datetime


@dataclass(frozen=True)
class ClockEventRow:
    """An approved clock stop or extension: the case's entity and when it took effect."""

    entity: str
    at: datetime


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone disclosure owed to the affected person: entity, when due, how delivered."""

    entity: str
    due_at: datetime
    delivery: str


def entity_codes(session: Session) -> list[str]:
    """Codes of every entity, sorted."""
    return list(session.scalars(select(Entity.code).order_by(Entity.code)))


def case_rows(session: Session, opened_before: datetime) -> list[CaseRow]:
    """Every case received before an instant, as plaintext metadata."""
    query = (
        select(
            Case.id,
            Entity.code,
            Case.category,
            Case.guidance_version,
            Case.opened_at,
            Case.closed_at,
            Case.outcome,
        )
        .join(Entity, Entity.id == Case.entity_id)
        .where(Case.opened_at < opened_before)
        .order_by(Case.id)
    )
    return [
        CaseRow(
            case_id=case_id,
            entity=code,
            category=category,
            guidance_version=version,
            opened_at=opened_at,
            closed_at=closed_at,
            outcome=None if outcome is None else outcome.value,
        )
        for case_id, code, category, version, opened_at, closed_at, outcome in session.execute(
            query
        )
    ]


def stage_change_rows(session: Session, case_ids: Sequence[int]) -> list[StageChangeRow]:
    """The stage history of the given cases, oldest first within each case."""
    rows: list[StageChangeRow] = []
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(StageChange.case_id, StageChange.to_stage, StageChange.changed_at)
            .where(StageChange.case_id.in_(chunk))
            .order_by(StageChange.case_id, StageChange.changed_at, StageChange.id)
        )
        rows.extend(
            StageChangeRow(case_id, stage.value, changed_at)
            for case_id, stage, changed_at in session.execute(query)
        )
    return rows


def clock_stop_rows(session: Session) -> list[ClockEventRow]:
    """Approved clock stops, by the entity of their case and when they started."""
    query = (
        select(Entity.code, ClockStop.started_at)
        .join(Case, Case.id == ClockStop.case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(ClockStop.status == RequestStatus.APPROVED)
    )
    return [ClockEventRow(code, at) for code, at in session.execute(query)]


def extension_rows(session: Session) -> list[ClockEventRow]:
    """Approved extensions (never their encrypted reason), by entity and when decided."""
    query = (
        select(Entity.code, Extension.decided_at)
        .join(Case, Case.id == Extension.case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(Extension.status == RequestStatus.APPROVED, Extension.decided_at.is_not(None))
    )
    return [ClockEventRow(code, at) for code, at in session.execute(query) if at is not None]


def alert_rows(session: Session) -> list[ClockEventRow]:
    """Every deadline alert raised, by the entity of its case and when raised."""
    query = (
        select(Entity.code, DeadlineAlert.raised_at)
        .join(Case, Case.id == DeadlineAlert.case_id)
        .join(Entity, Entity.id == Case.entity_id)
    )
    return [ClockEventRow(code, at) for code, at in session.execute(query)]


def milestone_rows(session: Session, now: datetime) -> list[MilestoneRow]:
    """Milestones due before ``now``: delivered on time, late (or not yet), or withheld."""
    query = (
        select(Entity.code, Disclosure.due_at, Disclosure.sent_at, Disclosure.status)
        .join(Case, Case.id == Disclosure.case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(Disclosure.due_at < now)
    )
    rows: list[MilestoneRow] = []
    for code, due_at, sent_at, status in session.execute(query):
        if status is DisclosureStatus.WITHHELD:
            delivery = "withheld"
        elif sent_at is not None and sent_at <= due_at:
            delivery = "on_time"
        else:
            delivery = "late"
        rows.append(MilestoneRow(code, due_at, delivery))
    return rows
