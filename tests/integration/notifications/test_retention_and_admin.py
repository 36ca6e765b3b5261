"""Retention shredding, the outbox administrator commands and the deadline scan (both backends)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import CaseKey, Deadline, StageChange
from casework.commands.outbox import outbox_group
from casework.identity.models import AssignmentRole, CaseAssignment, Role
from casework.keys.services import Keys
from casework.notifications.models import (
    DeadlineAlert,
    Disclosure,
    Outbox,
    OutboxKind,
    OutboxStatus,
    RetentionRun,
)
from casework.notifications.retention import shred_expired_cases
from casework.notifications.rules import set_contact_preference
from casework.notifications.scans import scan_deadline_alerts
from tests.factories import make_case, make_entity, make_staff
from tests.integration.notifications.helpers import affected, fire


def test_retention_shreds_expired_closed_cases_unless_on_hold(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    expired = make_case(session, keys, entity, now)
    held = make_case(session, keys, entity, now)
    recent = make_case(session, keys, entity, now)
    set_contact_preference(session, affected(expired).id, now, consent=True)
    fire(session, expired, "acknowledged", now)
    for case, closed in ((expired, 8), (held, 8), (recent, 2)):
        case.closed_at = now - timedelta(days=365 * closed)
    held.legal_hold = True
    session.commit()
    run = shred_expired_cases(session, now)
    session.commit()
    assert (run.shredded, run.held, run.case_ids) == (1, 1, str(expired.id))
    assert session.get(CaseKey, expired.id) is None
    assert session.get(CaseKey, held.id) is not None
    assert expired.shredded_at == now
    assert session.scalars(select(StageChange).where(StageChange.case_id == expired.id)).all()
    assert all(d.body_ct is None for d in session.scalars(select(Disclosure)))
    assert shred_expired_cases(session, now).shredded == 0
    assert len(session.scalars(select(RetentionRun)).all()) == 2


def test_deadline_scan_alerts_each_threshold_once_to_the_right_people(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, now)
    head = make_staff(session, entity, Role.HEAD_OF_ENTITY, now)
    lead = make_staff(session, entity, Role.INVESTIGATOR, now)
    case = make_case(session, keys, entity, now)
    session.add(
        CaseAssignment(case_id=case.id, user_id=lead.id, role=AssignmentRole.LEAD, assigned_at=now)
    )
    start = now - timedelta(days=200)
    session.add(
        Deadline(
            case_id=case.id,
            key="investigation",
            starts_at=start,
            due_at=start + timedelta(days=90),
            amber_at=start + timedelta(days=60),
            red_at=start + timedelta(days=90),
            ceiling_at=start + timedelta(days=180),
            met_at=None,
            next_alert_at=start + timedelta(days=60),
        )
    )
    session.commit()
    assert scan_deadline_alerts(session, start + timedelta(days=61)) == 1
    assert scan_deadline_alerts(session, start + timedelta(days=61)) == 0
    assert scan_deadline_alerts(session, now) == 2
    assert scan_deadline_alerts(session, now) == 0
    session.commit()
    alerts = session.scalars(select(DeadlineAlert.threshold).order_by(DeadlineAlert.id)).all()
    assert alerts == ["amber", "red", "ceiling"]
    recipients = session.scalars(
        select(Outbox.staff_user_id).where(Outbox.kind == OutboxKind.ALERT).order_by(Outbox.id)
    ).all()
    assert recipients == [lead.id, supervisor.id, head.id]
    deadline = session.scalars(select(Deadline).where(Deadline.key == "investigation")).one()
    assert deadline.next_alert_at is None


def test_outbox_commands_list_failed_and_retry(app: Flask, session: Session, now: datetime) -> None:
    row = Outbox(
        kind=OutboxKind.ALERT,
        status=OutboxStatus.FAILED,
        attempts=6,
        created_at=now,
        next_attempt_at=now,
        channel="email",
        last_error="ChannelError",
    )
    session.add(row)
    session.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(outbox_group, ["list", "--failed"])
    assert listed.exit_code == 0, listed.output
    assert f"{row.id}\talert" in listed.output and "1 failed" in listed.output
    retried = runner.invoke(outbox_group, ["retry", str(row.id)])
    assert retried.exit_code == 0, retried.output
    session.expire_all()
    assert session.get(Outbox, row.id).status is OutboxStatus.PENDING  # type: ignore[union-attr]
    again = runner.invoke(outbox_group, ["retry", str(row.id)])
    assert again.exit_code != 0
