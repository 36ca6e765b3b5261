"""Periodic scans: deadline alerts, milestone cadence, overdue milestones. Safe to run twice.

Each scan reads only rows due (indexed), locks them with SKIP LOCKED where the database can,
and relies on unique keys, so a second beat running concurrently raises nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case, Party
from casework.guidance import load_version

# The deadline scan is set-based and lives in its own module; re-exported for the tasks.
from casework.notifications.alert_scan import raise_alerts, scan_deadline_alerts
from casework.notifications.models import (
    Disclosure,
    DisclosureStatus,
    MilestoneSchedule,
)
from casework.notifications.rules import record_disclosure
from casework.timelines import next_repeat_due

BATCH = 1000
__all__ = [
    "alert_overdue_milestones",
    "raise_alert",
    "scan_deadline_alerts",
    "scan_milestones",
]


def raise_alert(
    session: Session, case: Case, deadline_key: str, threshold: str, now: datetime
) -> int | None:
    """Insert the one alert for (case, deadline, threshold); None if it already exists."""
    created = raise_alerts(session, [(case.id, case.entity_id, deadline_key, threshold)], now)
    return created[0] if created else None


def scan_milestones(session: Session, now: datetime, batch: int = BATCH) -> int:
    """Record every scheduled milestone due (M4 every 30 days, M9 check-ins); return how many."""
    recorded = 0
    while True:
        rows = session.execute(
            select(MilestoneSchedule, Case)
            .join(Case, Case.id == MilestoneSchedule.case_id)
            .where(MilestoneSchedule.next_due_at <= now, Case.shredded_at.is_(None))
            .order_by(MilestoneSchedule.next_due_at, MilestoneSchedule.id)
            .limit(batch)
            .with_for_update(skip_locked=True, of=MilestoneSchedule)
        ).all()
        if not rows:
            break
        for schedule, case in rows:
            guidance = load_version(case.guidance_version)
            milestone = next(m for m in guidance.milestones if m.key == schedule.milestone)
            party = session.get(Party, schedule.party_id)
            due = schedule.next_due_at or now
            if milestone.repeat_every_days is not None:
                occurrence = schedule.occurrences + 1
                # From this message, not from the missed due time: one message catches up.
                schedule.next_due_at = (
                    next_repeat_due(milestone, schedule.fired_at, now)
                    if case.closed_at is None
                    else None
                )
            else:
                occurrence = schedule.slot + 1
                schedule.next_due_at = None
            schedule.occurrences += 1
            schedule.last_sent_at = now
            if party is not None and record_disclosure(
                session, case, party, milestone, occurrence, due, now
            ):
                recorded += 1
        session.flush()
    return recorded


def alert_overdue_milestones(session: Session, now: datetime) -> int:
    """Alert supervisors once for each reviewed milestone still unreleased after its due time."""
    rows = session.execute(
        select(Disclosure, Case)
        .join(Case, Case.id == Disclosure.case_id)
        .where(
            Disclosure.status.in_([DisclosureStatus.DRAFTING, DisclosureStatus.PENDING_REVIEW]),
            Disclosure.due_at <= now,
            Disclosure.overdue_alerted_at.is_(None),
        )
        .with_for_update(skip_locked=True, of=Disclosure)
    ).all()
    raised = 0
    for disclosure, case in rows:
        key = f"milestone:{disclosure.milestone}:{disclosure.occurrence}"
        if raise_alert(session, case, key, "red", now) is not None:
            raised += 1
        disclosure.overdue_alerted_at = now
    session.flush()
    return raised
