"""A message or a retaliation report from the affected person alerts staff, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.services import log_step
from casework.cases.steps import StepKind
from casework.identity.access import AccessChange, assign, break_glass
from casework.identity.models import AssignmentRole, Role
from casework.keys.services import Keys
from casework.notifications.models import DeadlineAlert, Outbox, OutboxKind
from casework.portal.services import report_retaliation, send_message
from tests.factories import make_case, make_entity, make_user


def _alerts(session: Session, case_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(DeadlineAlert.deadline_key, DeadlineAlert.threshold).where(
            DeadlineAlert.case_id == case_id
        )
    )
    return [(key.split(":")[0], threshold) for key, threshold in rows]


def _alert_recipients(session: Session, case_id: int) -> set[int | None]:
    rows = session.scalars(
        select(Outbox.staff_user_id).where(
            Outbox.case_id == case_id, Outbox.kind == OutboxKind.ALERT
        )
    )
    return set(rows)


def test_portal_message_alerts_the_owner_and_retaliation_alerts_supervisors(
    session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now, received_days_ago=2)
    supervisor = make_user(session, entity, Role.SUPERVISOR, now)
    lead = make_user(session, entity, Role.INVESTIGATOR, now)
    assign(session, AccessChange(supervisor, "test", now), case, lead, AssignmentRole.LEAD)
    affected = case.parties[0]

    send_message(session, keys, case.id, affected.id, "When will I hear back?", now)
    assert _alerts(session, case.id) == [("message", "amber")]
    assert _alert_recipients(session, case.id) == {lead.id}

    report_retaliation(session, keys, case.id, affected.id, "My manager moved my desk.", now)
    assert sorted(_alerts(session, case.id)) == [("message", "amber"), ("retaliation", "red")]
    assert _alert_recipients(session, case.id) == {lead.id, supervisor.id}


def test_other_steps_raise_no_person_alert(session: Session, keys: Keys, now: datetime) -> None:
    case = make_case(session, keys, make_entity(session, now), now, received_days_ago=1)
    log_step(session, keys, case, StepKind.NOTE.value, "internal note", now, None, now)
    assert _alerts(session, case.id) == []


def test_break_glass_alerts_the_head_of_entity(session: Session, keys: Keys, now: datetime) -> None:
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now, received_days_ago=1)
    supervisor = make_user(session, entity, Role.SUPERVISOR, now)
    head = make_user(session, entity, Role.HEAD_OF_ENTITY, now)
    break_glass(
        session, AccessChange(supervisor, "test", now), case.id, "Lead is on leave; victim at risk."
    )
    assert _alerts(session, case.id) == [("break_glass", "ceiling")]
    assert _alert_recipients(session, case.id) == {head.id}
