"""The grouped reads of a release equal the same figures computed case by case, row by row."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.clock_models import ClockStop, Extension, RequestStatus
from casework.cases.models import Case, StageChange
from casework.identity.models import Entity
from casework.keys.services import Keys
from casework.notifications.models import DeadlineAlert, Disclosure, DisclosureStatus
from casework.statistics.disclosure_pooling import Quarter
from casework.statistics.queries import WindowCounts, quarter_end, stage_histogram, window_counts
from casework.statistics.release import build_all_releases, release_tables
from casework.statistics.tables import TIMED_STAGES, Window
from casework.synthetic.generate import GenerationPlan, generate

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
WINDOW = Window(2025)


def _quarter(at: datetime) -> Quarter:
    return Quarter(at.year, (at.month - 1) // 3 + 1)


def _reference_counts(session: Session, window: Window) -> WindowCounts:
    """Every count of a window from one row per case or event, filtered and tallied here."""
    cases = session.execute(
        select(Entity.code, Case.category, Case.opened_at, Case.closed_at, Case.outcome).join(
            Entity, Entity.id == Case.entity_id
        )
    ).all()
    active, received, closed, open_at_end = Counter(), Counter(), Counter(), Counter()
    for code, category, opened, closed_at, outcome in cases:
        if opened < window.end and (closed_at is None or closed_at >= window.start):
            active[code] += 1
            for quarter in window.quarters:
                end = quarter_end(quarter)
                if opened < end and (closed_at is None or closed_at >= end):
                    open_at_end[(code, quarter)] += 1
        if window.contains(opened):
            received[(code, category, _quarter(opened))] += 1
        if closed_at is not None and window.contains(closed_at):
            closed[(code, None if outcome is None else outcome.value, _quarter(closed_at))] += 1

    def events(at_column: object, *where: object) -> dict[tuple[str, Quarter], int]:
        query = (
            select(Entity.code, at_column)  # type: ignore[call-overload]
            .join(Case, Case.entity_id == Entity.id)
            .where(*where)
        )
        return dict(
            Counter(
                (code, _quarter(at))
                for code, at in session.execute(query)
                if at is not None and window.contains(at)
            )
        )

    milestones: Counter[tuple[str, str]] = Counter()
    query = select(Entity.code, Disclosure.due_at, Disclosure.sent_at, Disclosure.status).join(
        Case, Case.entity_id == Entity.id
    )
    for code, due_at, sent_at, status in session.execute(
        query.where(Disclosure.case_id == Case.id)
    ):
        if not window.contains(due_at):
            continue
        if status is DisclosureStatus.WITHHELD:
            milestones[(code, "withheld")] += 1
        elif sent_at is not None and sent_at <= due_at:
            milestones[(code, "on_time")] += 1
        else:
            milestones[(code, "late")] += 1
    approved = RequestStatus.APPROVED
    return WindowCounts(
        active=dict(active),
        received=dict(received),
        closed=dict(closed),
        open_at_end=dict(open_at_end),
        clock_stops=events(
            ClockStop.started_at, ClockStop.case_id == Case.id, ClockStop.status == approved
        ),
        extensions=events(
            Extension.decided_at, Extension.case_id == Case.id, Extension.status == approved
        ),
        alerts=events(DeadlineAlert.raised_at, DeadlineAlert.case_id == Case.id),
        milestones=dict(milestones),
    )


def _reference_histogram(
    session: Session, window: Window
) -> dict[tuple[str, str, Quarter, str, int], int]:
    """Stages left in the window from each case's whole history, paired in Python."""
    query = (
        select(
            StageChange.case_id,
            Entity.code,
            Case.guidance_version,
            StageChange.to_stage,
            StageChange.changed_at,
        )
        .join(Case, Case.id == StageChange.case_id)
        .join(Entity, Entity.id == Case.entity_id)
        .where(Case.opened_at < window.end)
        .order_by(StageChange.case_id, StageChange.changed_at, StageChange.id)
    )
    by_case: dict[int, list[tuple[str, str, str, datetime]]] = defaultdict(list)
    for case_id, code, version, stage, changed_at in session.execute(query):
        by_case[case_id].append((code, version, stage.value, changed_at))
    histogram: Counter[tuple[str, str, Quarter, str, int]] = Counter()
    for history in by_case.values():
        for (code, version, stage, entered), (*_, left) in pairwise(history):
            if stage in TIMED_STAGES and window.contains(left):
                days = max(0, (left - entered).days)
                histogram[(code, stage, _quarter(left), version, days)] += 1
    return dict(histogram)


def test_grouped_reads_equal_row_by_row_tallies(session: Session, keys: Keys) -> None:
    plan = GenerationPlan(cases=300, seed=3, now=NOW, span_days=3 * 365, workers=1)
    generate(session.get_bind(), keys, plan)  # type: ignore[arg-type]
    counts = window_counts(session, WINDOW.start, WINDOW.end)
    assert counts == _reference_counts(session, WINDOW)
    assert sum(counts.received.values()) > 20 and counts.alerts and counts.milestones
    histogram = stage_histogram(session, WINDOW.start, WINDOW.end, TIMED_STAGES)
    assert histogram == _reference_histogram(session, WINDOW)
    assert sum(histogram.values()) >= 10
    releases = build_all_releases(session, NOW, year=WINDOW.year)
    medians = release_tables(releases[0])["stage_median_weeks"]
    assert any(cell["value"] is not None for row in medians["cells"] for cell in row)
    session.rollback()
