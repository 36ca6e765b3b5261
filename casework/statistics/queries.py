"""Read the plaintext metadata behind the statistics: never a ciphertext column, never a key.

The database does the grouping: each query returns counts of one window, keyed by the entity
code and the plaintext coordinates a table needs (quarter, category, outcome, delivery, whole
days). No ``Case`` object (and so no ``*_ct`` column) is ever loaded here, and no row per case
reaches Python. The rules (pooling, suppression, medians) stay with the callers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from casework.cases.clock_models import ClockStop, Extension, RequestStatus
from casework.cases.models import Case, Stage, StageChange
from casework.db import UTCDateTime
from casework.identity.models import Entity
from casework.notifications.models import DeadlineAlert, Disclosure, DisclosureStatus
from casework.statistics.disclosure_pooling import Quarter

_DAY_SECONDS = 86400


@dataclass(frozen=True)
class WindowCounts:
    """What a release counts in one window, each figure a count of cases, events or stages."""

    active: Mapping[str, int]  # entity -> cases open at some instant of the window
    received: Mapping[tuple[str, str, Quarter], int]  # (entity, category, quarter opened)
    closed: Mapping[tuple[str, str | None, Quarter], int]  # (entity, outcome, quarter closed)
    open_at_end: Mapping[tuple[str, Quarter], int]  # (entity, quarter) -> open at its end
    clock_stops: Mapping[tuple[str, Quarter], int]  # approved stops, by quarter started
    extensions: Mapping[tuple[str, Quarter], int]  # approved extensions, by quarter decided
    alerts: Mapping[tuple[str, Quarter], int]  # deadline alerts, by quarter raised
    milestones: Mapping[tuple[str, str], int]  # (entity, delivery) of milestones due


# (entity, stage, quarter left, guidance version, whole days) -> completed stages
StageHistogram = Mapping[tuple[str, str, Quarter, str, int], int]


def entity_codes(session: Session) -> list[str]:
    """Codes of every entity, sorted."""
    return list(session.scalars(select(Entity.code).order_by(Entity.code)))


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _utc_month(session: Session, column: Any) -> ColumnElement[int]:
    """The calendar month (UTC) of a datetime column, as an integer."""
    if _is_postgresql(session):
        column = func.timezone(literal_column("'UTC'"), column)
    return cast(extract("month", column), Integer)


def _quarter(year: int, month: int) -> Quarter:
    return Quarter(year, (int(month) - 1) // 3 + 1)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def window_counts(session: Session, start: datetime, end: datetime) -> WindowCounts:
    """Every count a system release needs for the window ``[start, end)`` (within one year)."""
    year = start.year
    month = _utc_month(session, Case.opened_at).label("month")
    received: Counter[tuple[str, str, Quarter]] = Counter()
    query = (
        select(Entity.code, Case.category, month, func.count())
        .join(Entity, Entity.id == Case.entity_id)
        .where(_in(Case.opened_at, start, end))
        .group_by(Entity.code, Case.category, month)
    )
    for code, category, at_month, count in session.execute(query):
        received[(code, category, _quarter(year, at_month))] += count

    closed_month = _utc_month(session, Case.closed_at).label("month")
    closed: Counter[tuple[str, str | None, Quarter]] = Counter()
    closed_query = (
        select(Entity.code, Case.outcome, closed_month, func.count())
        .join(Entity, Entity.id == Case.entity_id)
        .where(_in(Case.closed_at, start, end))
        .group_by(Entity.code, Case.outcome, closed_month)
    )
    for code, outcome, at_month, count in session.execute(closed_query):
        key = (code, None if outcome is None else outcome.value, _quarter(year, at_month))
        closed[key] += count

    active, open_at_end = _active_and_open(session, start, end)
    return WindowCounts(
        active=active,
        received=received,
        closed=closed,
        open_at_end=open_at_end,
        clock_stops=_events(
            session,
            ClockStop.case_id,
            ClockStop.started_at,
            [ClockStop.status == RequestStatus.APPROVED],
            start,
            end,
        ),
        extensions=_events(
            session,
            Extension.case_id,
            Extension.decided_at,
            [Extension.status == RequestStatus.APPROVED],
            start,
            end,
        ),
        alerts=_events(session, DeadlineAlert.case_id, DeadlineAlert.raised_at, [], start, end),
        milestones=_milestones(session, start, end),
    )


def _active_and_open(
    session: Session, start: datetime, end: datetime
) -> tuple[dict[str, int], dict[tuple[str, Quarter], int]]:
    """Cases active in the window per entity, and those open at each quarter's end."""
    quarters = [Quarter(start.year, q) for q in range(1, 5)]
    ends = [quarter_end(q) for q in quarters]
    open_columns = [
        func.sum(
            case(
                (and_(Case.opened_at < at, or_(Case.closed_at.is_(None), Case.closed_at >= at)), 1),
                else_=0,
            )
        )
        for at in ends
    ]
    query = (
        select(Entity.code, func.count(), *open_columns)
        .join(Entity, Entity.id == Case.entity_id)
        .where(Case.opened_at < end, or_(Case.closed_at.is_(None), Case.closed_at >= start))
        .group_by(Entity.code)
    )
    active: dict[str, int] = {}
    open_at_end: dict[tuple[str, Quarter], int] = {}
    for code, count, *open_counts in session.execute(query):
        active[code] = count
        for quarter, open_count in zip(quarters, open_counts, strict=True):
            if open_count:
                open_at_end[(code, quarter)] = int(open_count)
    return active, open_at_end


def quarter_end(quarter: Quarter) -> datetime:
    """First instant after a quarter (UTC)."""
    if quarter.quarter == 4:
        return datetime(quarter.year + 1, 1, 1, tzinfo=UTC)
    return datetime(quarter.year, 3 * quarter.quarter + 1, 1, tzinfo=UTC)


def _events(
    session: Session,
    case_id: Any,
    at: Any,
    conditions: list[ColumnElement[bool]],
    start: datetime,
    end: datetime,
) -> dict[tuple[str, Quarter], int]:
    """Events of one kind in the window, by the entity of their case and the quarter."""
    month = _utc_month(session, at).label("month")
    query = (
        select(Entity.code, month, func.count())
        .select_from(at.class_)
        .join(Case, Case.id == case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(*conditions, _in(at, start, end))
        .group_by(Entity.code, month)
    )
    counts: Counter[tuple[str, Quarter]] = Counter()
    for code, at_month, count in session.execute(query):
        counts[(code, _quarter(start.year, at_month))] += count
    return dict(counts)


def _milestones(session: Session, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
    """Milestones due in the window: delivered on time, late (or not yet), or withheld."""
    on_time = and_(Disclosure.sent_at.is_not(None), Disclosure.sent_at <= Disclosure.due_at)
    flag = on_time.label("on_time")
    query = (
        select(Entity.code, Disclosure.status, flag, func.count())
        .join(Case, Case.id == Disclosure.case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(_in(Disclosure.due_at, start, end))
        .group_by(Entity.code, Disclosure.status, flag)
    )
    counts: Counter[tuple[str, str]] = Counter()
    for code, status, in_time, count in session.execute(query):
        if status is DisclosureStatus.WITHHELD:
            delivery = "withheld"
        elif in_time:
            delivery = "on_time"
        else:
            delivery = "late"
        counts[(code, delivery)] += count
    return dict(counts)


def stage_histogram(
    session: Session, start: datetime, end: datetime, stages: tuple[str, ...]
) -> dict[tuple[str, str, Quarter, str, int], int]:
    """Stages left within the window, counted by entity, stage, quarter, version, whole days.

    A stage runs from its stage change to the case's next one (ordered by instant, then id); it
    counts in the quarter it was left, for days elapsed in whole calendar days (at least 0).
    """
    left = (
        func.lead(StageChange.changed_at, type_=UTCDateTime())
        .over(partition_by=StageChange.case_id, order_by=(StageChange.changed_at, StageChange.id))
        .label("left_at")
    )
    history = (
        select(
            Entity.code.label("entity"),
            Case.guidance_version.label("version"),
            StageChange.to_stage.label("stage"),
            StageChange.changed_at.label("entered_at"),
            left,
        )
        .join(Case, Case.id == StageChange.case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(Case.opened_at < end, StageChange.changed_at < end)
        .subquery()
    )
    timed = history.c.stage.in_([Stage(stage) for stage in stages])
    left_at = history.c.left_at
    month = _utc_month(session, left_at).label("month")
    counts: Counter[tuple[str, str, Quarter, str, int]] = Counter()
    if _is_postgresql(session):
        seconds = extract("epoch", left_at) - extract("epoch", history.c.entered_at)
        days = func.greatest(0, func.div(seconds, literal_column(str(_DAY_SECONDS)))).label("days")
        group = (history.c.entity, history.c.stage, month, history.c.version, days)
        query: Select[Any] = (
            select(*group, func.count()).where(timed, _in(left_at, start, end)).group_by(*group)
        )
        for entity, stage, at_month, version, whole_days, count in session.execute(query):
            key = (entity, stage.value, _quarter(start.year, at_month), version, int(whole_days))
            counts[key] += count
        return dict(counts)
    # Other backends (SQLite) have no exact interval arithmetic: whole days are counted here.
    rows_query = select(
        history.c.entity, history.c.stage, history.c.version, history.c.entered_at, left_at
    ).where(timed, _in(left_at, start, end))
    for row in session.execute(rows_query):
        entered: datetime = row.entered_at
        left_instant: datetime = row.left_at
        whole_days = max(0, (left_instant - entered).days)
        quarter = _quarter(start.year, left_instant.month)
        counts[(row.entity, row.stage.value, quarter, row.version, whole_days)] += 1
    return dict(counts)
