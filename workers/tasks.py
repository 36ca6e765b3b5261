"""Thin Celery tasks: explicit names, ids only, one service call each, safe to run twice."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task
from celery.signals import worker_process_shutdown
from kombu.exceptions import BatchPublishError
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError as DatabaseError

from casework.boundary import app_settings, engine, now, session
from casework.cases.clocks import refresh_stopped_deadlines
from casework.notifications.delivery import Delivery, deliver_claiming_on
from casework.notifications.digests import send_daily_digests
from casework.notifications.outbox import relay_due
from casework.notifications.retention import shred_expired_cases
from casework.notifications.scans import (
    alert_overdue_milestones,
    scan_deadline_alerts,
    scan_milestones,
)
from casework.receipts.sessions import purge_portal_records
from casework.statistics.release import build_all_releases
from casework.system.services import record_heartbeat
from workers.batches import deliver_in_turn
from workers.celery_app import celery_app
from workers.runtime import close_mailers, delivery, relay_policy, task_now

log = logging.getLogger("casework.workers")

# Database hiccups are retried by Celery; delivery failures are retried by the outbox itself.
_DB_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@worker_process_shutdown.connect
def _close_smtp(**_: object) -> None:
    """Say QUIT on the kept SMTP connection when a worker process ends."""
    close_mailers()


@celery_app.task(name="system.heartbeat", bind=True)
def heartbeat(self: Task) -> None:
    """Record that this worker is alive (readiness and the quick start rely on it)."""
    record_heartbeat(session(), self.request.hostname or socket.gethostname(), now())
    session().commit()


@celery_app.task(name="outbox.relay", **_DB_RETRY)
def relay_outbox() -> int:
    """Hand due outbox rows to the queue (ids only); a lost message is re-queued later.

    A full batch means more are due: up to CASEWORK_OUTBOX_RELAY_MAX_BATCHES batches go in one
    run, so a backlog drains faster than one batch per beat interval.
    """
    policy = relay_policy()
    relayed = 0
    for _ in range(app_settings().outbox_relay_max_batches):
        ids = relay_due(session(), task_now(), policy)
        session().commit()
        relayed += len(ids)
        if not _publish(ids) or len(ids) < policy.batch_size:
            break
    return relayed


# Messages go to Redis in pipelined batches of this many: one round trip per batch, and the
# workers see the first messages of a large relay batch early.
PUBLISH_BATCH = 100
# A deliver message that has run this long hands its remaining ids back to the queue, well
# inside the soft time limit (60 s) even when the SMTP relay answers slowly.
DELIVER_BATCH_SECONDS = 20.0


def _publish(ids: list[int]) -> bool:
    """Send deliver messages of up to CASEWORK_OUTBOX_DELIVER_BATCH ids each; False if the
    broker is unavailable (the rows stay queued).

    A failed batch may have reached the broker in part: the rows stay queued either way, so
    the relay sends them again later and a second message for a delivered row finds it claimed.
    """
    size = app_settings().outbox_deliver_batch
    with celery_app.producer_or_acquire() as producer:
        try:
            with producer.batch(max_size=PUBLISH_BATCH):
                for start in range(0, len(ids), size):
                    deliver_batch.apply_async(
                        args=[ids[start : start + size]], retry=False, producer=producer
                    )
        except (BrokerError, BatchPublishError):
            log.warning("broker unavailable; %d outbox rows stay queued", len(ids))
            return False
    return True


def _deliver_one(outbox_id: int, channels: Delivery, claims: Connection) -> str:
    """Claim and deliver one row (see deliver_claiming_on); commit what the session holds."""
    db = session()
    outcome = deliver_claiming_on(claims, db, channels, outbox_id, task_now())
    db.commit()  # what the ORM wrote for kinds other than alerts (nothing to send otherwise)
    return outcome


@contextmanager
def _claims_connection() -> Iterator[Connection]:
    """An autocommit connection for a message's claims and alert outcomes (one statement each)."""
    with engine().connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@celery_app.task(name="outbox.deliver_batch", **_DB_RETRY)
def deliver_batch(outbox_ids: list[int]) -> int:
    """Deliver each row in turn, each claimed on its own; return how many were handled here.

    One message for many rows pays the queue's cost per message once. Rows already claimed
    (a duplicate or retried message) are skipped; if the batch runs long, the rest go back to
    the queue as a new message rather than risk the time limit.
    """
    channels = delivery()
    with _claims_connection() as claims:
        return deliver_in_turn(
            [int(outbox_id) for outbox_id in outbox_ids],
            lambda outbox_id: _deliver_one(outbox_id, channels, claims),
            _publish,
            DELIVER_BATCH_SECONDS,
        )


@celery_app.task(name="outbox.deliver", **_DB_RETRY)
def deliver(outbox_id: int) -> str:
    """Claim and deliver one row (messages queued by an earlier release carry one id each)."""
    with _claims_connection() as claims:
        return _deliver_one(int(outbox_id), delivery(), claims)


@celery_app.task(name="deadlines.scan", **_DB_RETRY)
def scan_deadlines() -> int:
    """Raise the deadline alerts due now, once each."""
    raised = scan_deadline_alerts(session(), task_now())
    session().commit()
    return raised


@celery_app.task(name="deadlines.refresh_stopped", **_DB_RETRY)
def refresh_stopped() -> int:
    """Move the stored deadlines of cases whose clocks are stopped (they move while it lasts)."""
    refreshed = refresh_stopped_deadlines(session(), task_now())
    session().commit()
    return refreshed


@celery_app.task(name="milestones.scan", **_DB_RETRY)
def scan_due_milestones() -> int:
    """Record milestones due by schedule (M4 cadence, M9 check-ins)."""
    recorded = scan_milestones(session(), task_now())
    session().commit()
    return recorded


@celery_app.task(name="milestones.alert_overdue", **_DB_RETRY)
def alert_overdue() -> int:
    """Alert supervisors about reviewed milestones still unreleased after their due time."""
    raised = alert_overdue_milestones(session(), task_now())
    session().commit()
    return raised


@celery_app.task(name="notifications.send_digests", **_DB_RETRY)
def send_digests() -> int:
    """Write today's daily digest for each person on it, once per person and day."""
    written = send_daily_digests(session(), task_now())
    session().commit()
    log.info("digests written=%d", written)
    return written


@celery_app.task(name="portal.cleanup", **_DB_RETRY)
def cleanup_portal() -> dict[str, int]:
    """Delete expired portal sessions and sign-in failures older than the throttling window."""
    report = purge_portal_records(session(), task_now())
    session().commit()
    log.info("portal cleanup sessions=%d failures=%d", report.sessions, report.failures)
    return {"sessions": report.sessions, "failures": report.failures}


@celery_app.task(name="retention.shred", **_DB_RETRY)
def shred_expired() -> int:
    """Crypto-shred closed cases past retention (ids and counts logged only)."""
    run = shred_expired_cases(session(), task_now())
    session().commit()
    return run.shredded


@celery_app.task(name="statistics.build_releases", **_DB_RETRY)
def build_statistics_releases() -> None:
    """Publish last year's anonymised statistics releases for every scope (idempotent)."""
    build_all_releases(session(), task_now())
    session().commit()
