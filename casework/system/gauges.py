"""Operational figures read from the database at scrape time: backlog, alerts, overdue cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case, Deadline, Stage
from casework.notifications.models import DeadlineAlert, Outbox, OutboxStatus

BACKLOG_STATUSES = (OutboxStatus.PENDING, OutboxStatus.QUEUED, OutboxStatus.SENDING)


def outbox_counts(session: Session) -> dict[str, int]:
    """Return the number of outbox rows per status."""
    rows = session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({status.value: count for status, count in rows})
    return counts


def alerts_by_threshold(session: Session) -> dict[str, int]:
    """Return how many deadline alerts were raised per threshold (amber, red, ceiling)."""
    statement = select(DeadlineAlert.threshold, func.count()).group_by(DeadlineAlert.threshold)
    return {threshold: count for threshold, count in session.execute(statement).all()}


def overdue_case_count(session: Session, now: datetime) -> int:
    """Return how many open cases have at least one unmet deadline past its due time."""
    statement = (
        select(func.count(func.distinct(Deadline.case_id)))
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.met_at.is_(None), Deadline.due_at < now, Case.stage != Stage.CLOSED)
    )
    return session.scalar(statement) or 0
