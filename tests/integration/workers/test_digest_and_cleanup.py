"""Real workers: the digest task run twice at once sends one digest; portal cleanup reports counts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from casework.boundary import app_keys, session
from casework.identity.access import AccessChange, assign
from casework.identity.models import AssignmentRole, Role
from casework.notifications.digests import set_daily_digest
from casework.notifications.models import Outbox, OutboxKind, OutboxStatus, StaffDigest
from casework.notifications.scans import raise_alert
from casework.receipts.credentials import issue_portal_access
from casework.receipts.models import PortalAccess, PortalFailure, PortalSession
from casework.receipts.sessions import end_session, start_session
from tests.factories import make_case, make_entity, make_user
from tests.integration.workers.stack import WorkerStack, client, wait_for
from tests.support.mail import SmtpSink

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

DIGEST_SUBJECT = "Your daily summary of deadline alerts"


def _count(statement: object) -> int:
    session().expire_all()
    return int(session().scalar(statement) or 0)  # type: ignore[call-overload]


def test_digest_task_twice_on_two_workers_sends_one_digest_and_no_amber_email(
    worker_app: Flask, stack: WorkerStack, sink: SmtpSink
) -> None:
    now = datetime.now(UTC)
    s = session()
    entity = make_entity(s, now)
    case = make_case(s, app_keys(worker_app), entity, now, affected_name="Zanzibar-Canary")
    supervisor = make_user(s, entity, Role.SUPERVISOR, now)
    person = make_user(s, entity, Role.INVESTIGATOR, now)
    assign(s, AccessChange(supervisor, "test", now), case, person, AssignmentRole.LEAD)
    set_daily_digest(s, person.id, True, "test", now)
    raise_alert(s, case, "investigation", "amber", now - timedelta(hours=1))
    s.commit()

    stack.start_worker()
    stack.start_worker()
    celery = client()
    celery.send_task("outbox.relay")
    held = select(func.count()).where(
        Outbox.kind == OutboxKind.ALERT, Outbox.status == OutboxStatus.CANCELLED
    )
    wait_for(lambda: _count(held) == 1, 60, "the amber alert held for the digest")

    celery.send_task("notifications.send_digests")
    celery.send_task("notifications.send_digests")
    written = select(func.count()).select_from(StaffDigest)
    wait_for(lambda: _count(written) == 1, 60, "the digest row")
    sent = select(func.count()).where(
        Outbox.kind == OutboxKind.DIGEST, Outbox.status == OutboxStatus.SENT
    )
    deadline = time.monotonic() + 60
    while _count(sent) < 1 and time.monotonic() < deadline:
        celery.send_task("outbox.relay")
        time.sleep(1)
    assert _count(sent) == 1
    celery.send_task("notifications.send_digests")  # a third run, after the first finished
    celery.send_task("outbox.relay")
    time.sleep(3)  # whatever a rerun might send would arrive by now
    assert _count(written) == 1
    digest_rows = select(func.count()).where(Outbox.kind == OutboxKind.DIGEST)
    assert _count(digest_rows) == 1
    to_person = [m for m in sink.messages if str(m["To"]) == person.email]
    assert [str(m["Subject"]) for m in to_person] == [DIGEST_SUBJECT]
    body = "\n".join(sink.bodies())
    assert "1 amber, 0 red, 0 hard ceiling" in body
    assert f"http://casework.test/cases/{case.id}" in body
    assert "http://casework.test/sign-in" in body
    assert "Zanzibar-Canary" not in body and "Zanzibar-Canary" not in stack.log_text()


def test_portal_cleanup_task_deletes_expired_rows_and_reports_counts(
    worker_app: Flask, stack: WorkerStack
) -> None:
    now = datetime.now(UTC)
    s = session()
    case = make_case(s, app_keys(worker_app), make_entity(s, now), now)
    issue_portal_access(s, app_keys(worker_app), case.id, case.parties[0].id, None, now)
    access = s.scalars(select(PortalAccess)).one()
    live = start_session(s, access, now)
    end_session(s, start_session(s, access, now), now)
    s.add(PortalFailure(key="c:x", at=now - timedelta(hours=1)))
    s.add(PortalFailure(key="c:x", at=now))
    s.commit()

    stack.start_worker()
    client().send_task("portal.cleanup")
    sessions = select(func.count()).select_from(PortalSession)
    wait_for(lambda: _count(sessions) == 1, 60, "the ended portal session purged")
    failures = select(func.count()).select_from(PortalFailure)
    assert _count(failures) == 1
    wait_for(
        lambda: "portal cleanup sessions=1 failures=1" in stack.log_text(), 30, "the count log"
    )
    assert live not in stack.log_text()
