"""The opt-in daily digest: amber held for it, red and ceiling at once, once per person and day."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.cases.models import Case
from casework.identity.access import AccessChange, assign
from casework.identity.models import AssignmentRole, Entity, Role, RoleGrant, StaffUser
from casework.keys.services import Keys
from casework.notifications.delivery import deliver_outbox
from casework.notifications.digests import send_daily_digests, set_daily_digest
from casework.notifications.models import (
    NotificationPreference,
    Outbox,
    OutboxKind,
    StaffDigest,
)
from casework.notifications.outbox import RelayPolicy, relay_due
from casework.notifications.scans import raise_alert
from tests.factories import make_case, make_entity, make_user
from tests.integration.notifications.helpers import RecordingMailer, delivery_for
from tests.support.access_matrix import send, signed_in_client

CASES_URL = "http://casework.test/cases"


def _owner_of_everything(session: Session, entity: Entity, case: Case, now: datetime) -> StaffUser:
    """A supervisor who leads the case and heads the entity: every threshold reaches them."""
    user = make_user(session, entity, Role.SUPERVISOR, now)
    session.add(RoleGrant(user_id=user.id, entity_id=entity.id, role=Role.HEAD_OF_ENTITY))
    session.flush()
    assign(session, AccessChange(user, "test", now), case, user, AssignmentRole.LEAD)
    return user


def _deliver_all(
    session: Session, app: Flask, mailer: RecordingMailer, now: datetime
) -> dict[int, str]:
    delivery = replace(delivery_for(app, mailer), cases_url=CASES_URL)
    ids = relay_due(session, now, RelayPolicy())
    session.commit()
    outcomes = {i: deliver_outbox(session, delivery, i, now, session.commit) for i in ids}
    session.commit()
    return outcomes


def _outcomes(session: Session, outcomes: dict[int, str], kind: OutboxKind) -> list[str]:
    """The outcomes of the delivered rows of one kind (cases also owe the affected person)."""
    rows = session.scalars(select(Outbox).where(Outbox.id.in_(list(outcomes))))
    return sorted(outcomes[row.id] for row in rows if row.kind is kind)


def test_amber_waits_for_the_digest_which_is_written_exactly_once(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now, affected_name="Zed Canary")
    other = make_case(session, keys, entity, now)
    person = _owner_of_everything(session, entity, case, now)
    assign(session, AccessChange(person, "test", now), other, person, AssignmentRole.LEAD)
    set_daily_digest(session, person.id, True, "127.0.0.1", now)
    raised = now - timedelta(hours=3)
    raise_alert(session, case, "investigation", "amber", raised)
    raise_alert(session, other, "assessment", "amber", raised)
    raise_alert(session, case, "investigation", "red", raised)
    raise_alert(session, case, "investigation", "ceiling", raised)
    session.commit()

    mailer = RecordingMailer()
    outcomes = _deliver_all(session, app, mailer, raised)
    assert _outcomes(session, outcomes, OutboxKind.ALERT) == ["digest", "digest", "sent", "sent"]
    staff_mail = [e for e, _ in mailer.sent if e.address == person.email]
    assert len(staff_mail) == 2  # red and ceiling went out at once; amber did not

    first = send_daily_digests(session, now)
    session.commit()
    second = send_daily_digests(session, now + timedelta(hours=2))  # a rerun the same day
    session.commit()
    assert (first, second) == (1, 0)
    (digest,) = session.scalars(select(StaffDigest)).all()
    assert (digest.staff_user_id, digest.digest_date) == (person.id, now.date())
    assert (digest.amber, digest.red, digest.ceiling) == (2, 1, 1)
    digest_rows = session.scalars(select(Outbox).where(Outbox.kind == OutboxKind.DIGEST)).all()
    assert len(digest_rows) == 1 and digest_rows[0].staff_user_id == person.id

    mailer.sent.clear()
    assert _outcomes(session, _deliver_all(session, app, mailer, now), OutboxKind.DIGEST) == [
        "sent"
    ]
    assert _outcomes(session, _deliver_all(session, app, mailer, now), OutboxKind.DIGEST) == []
    ((envelope, notice),) = [(e, n) for e, n in mailer.sent if e.address == person.email]
    assert envelope.address == person.email
    assert "2 amber, 1 red, 1 hard ceiling" in notice.text
    assert f"{CASES_URL}/{case.id}" in notice.text and f"{CASES_URL}/{other.id}" in notice.text
    assert "http://casework.test/login" in notice.text
    for secret in ("Zed Canary", "Subject Person", "Unwelcome", "affected@example.org"):
        assert secret not in notice.text and secret not in notice.html


def test_without_the_digest_amber_is_sent_at_once_and_no_digest_is_written(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now)
    person = _owner_of_everything(session, entity, case, now)
    set_daily_digest(session, person.id, True, "test", now)
    set_daily_digest(session, person.id, False, "test", now)  # changed their mind
    raise_alert(session, case, "investigation", "amber", now - timedelta(hours=1))
    session.commit()
    mailer = RecordingMailer()
    outcomes = _deliver_all(session, app, mailer, now)
    assert _outcomes(session, outcomes, OutboxKind.ALERT) == ["sent"]
    assert [e.address for e, _ in mailer.sent].count(person.email) == 1
    assert send_daily_digests(session, now) == 0
    assert session.scalar(select(func.count()).select_from(StaffDigest)) == 0


def test_next_digest_counts_only_what_came_after_the_previous_one(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now)
    person = _owner_of_everything(session, entity, case, now)
    set_daily_digest(session, person.id, True, "test", now)
    raise_alert(session, case, "too_old", "amber", now - timedelta(hours=30))
    raise_alert(session, case, "day_one", "amber", now - timedelta(hours=1))
    assert send_daily_digests(session, now) == 1
    raise_alert(session, case, "day_two", "red", now + timedelta(hours=5))
    assert send_daily_digests(session, now + timedelta(days=1)) == 1
    session.commit()
    digests = session.scalars(select(StaffDigest).order_by(StaffDigest.digest_date)).all()
    assert [(d.amber, d.red, d.ceiling) for d in digests] == [(1, 0, 0), (0, 1, 0)]
    assert digests[1].window_start == digests[0].window_end


def test_a_day_without_alerts_is_recorded_but_sends_nothing(
    session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    person = make_user(session, entity, Role.INVESTIGATOR, now)
    inactive = make_user(session, entity, Role.INVESTIGATOR, now)
    set_daily_digest(session, person.id, True, "test", now)
    set_daily_digest(session, inactive.id, True, "test", now)
    inactive.is_active = False
    assert send_daily_digests(session, now) == 1
    assert send_daily_digests(session, now) == 0
    (digest,) = session.scalars(select(StaffDigest)).all()
    assert digest.staff_user_id == person.id and digest.case_ids == ""
    digests = select(func.count()).select_from(Outbox).where(Outbox.kind == OutboxKind.DIGEST)
    assert session.scalar(digests) == 0


def test_account_page_opts_in_and_out_audited_and_rejects_anything_else(
    app: Flask, session: Session, now: datetime
) -> None:
    entity = make_entity(session, now)
    user = make_user(session, entity, Role.INVESTIGATOR, now)
    session.commit()
    client, csrf = signed_in_client(app, session, user)

    status, body, _ = send(client, "GET", "/account", csrf)
    assert status == 200
    assert 'name="daily_digest" value="off" checked' in body
    status, _, location = send(client, "POST", "/account/digest", csrf, {"daily_digest": "on"})
    assert status == 303 and location.endswith("/account?saved=digest")
    session.rollback()
    assert session.get(NotificationPreference, user.id).daily_digest is True  # type: ignore[union-attr]
    status, body, _ = send(client, "GET", "/account?saved=digest", csrf)
    assert 'value="on" checked' in body and "Your choice is saved." in body

    for bad in ({"daily_digest": "weekly"}, {}):
        status, body, _ = send(client, "POST", "/account/digest", csrf, bad)
        assert status == 400 and "Choose how you want amber alerts" in body
    status, _, _ = send(client, "POST", "/account/digest", None, {"daily_digest": "off"})
    assert status == 400  # no CSRF token
    session.rollback()
    assert session.get(NotificationPreference, user.id).daily_digest is True  # type: ignore[union-attr]

    send(client, "POST", "/account/digest", csrf, {"daily_digest": "off"})
    session.rollback()
    assert session.get(NotificationPreference, user.id).daily_digest is False  # type: ignore[union-attr]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.seq)
    ).all()
    assert [a for a in actions if a.startswith("account.digest")] == [
        "account.digest_on",
        "account.digest_off",
    ]
