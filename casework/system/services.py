"""Operational services: record that a worker is alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.system.models import WorkerHeartbeat


def record_heartbeat(session: Session, worker: str, now: datetime) -> WorkerHeartbeat:
    """Record that a worker consumed a heartbeat task at `now`."""
    row = session.get(WorkerHeartbeat, worker)
    if row is None:
        row = WorkerHeartbeat(worker=worker, beat_at=now, beats=0)
        session.add(row)
    row.beat_at = now
    row.beats += 1
    session.flush()
    return row


def latest_heartbeat(session: Session) -> datetime | None:
    """Return when any worker last consumed a heartbeat task."""
    return session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
