"""Thin Celery tasks: explicit names, ids only, one service call each, safe to run twice."""

from __future__ import annotations

import socket

from celery import Task

from casework.boundary import now, session
from casework.system.services import record_heartbeat
from workers.celery_app import celery_app


@celery_app.task(name="system.heartbeat", bind=True)
def heartbeat(self: Task) -> None:
    """Record that this worker is alive (readiness and the quick start rely on it)."""
    record_heartbeat(session(), self.request.hostname or socket.gethostname(), now())
    session().commit()
