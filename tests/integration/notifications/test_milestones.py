"""Milestones, consent, the review queue, subject notices and claimed delivery (both backends)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.errors import TransitionRefused
from casework.identity.models import Role
from casework.keys.services import Keys, open_case_cipher
from casework.notifications.delivery import deliver_outbox
from casework.notifications.models import (
    Disclosure,
    DisclosureStatus,
    Outbox,
    OutboxKind,
    OutboxStatus,
    SubjectNotice,
)
from casework.notifications.outbox import RelayPolicy, failed_rows, relay_due, retry_failed
from casework.notifications.rules import release_disclosure, set_contact_preference
from casework.notifications.scans import alert_overdue_milestones, scan_milestones
from tests.factories import make_case, make_entity, make_staff
from tests.integration.notifications.helpers import RecordingMailer, affected, delivery_for, fire


def _deliver_all(session: Session, app: Flask, mailer: RecordingMailer, now: datetime) -> list[str]:
    ids = relay_due(session, now, RelayPolicy())
    session.commit()
    outcomes = [
        deliver_outbox(session, delivery_for(app, mailer), i, now, session.commit) for i in ids
    ]
    session.commit()
    return outcomes


def _disclosures(session: Session, milestone: str) -> list[Disclosure]:
    return list(session.scalars(select(Disclosure).where(Disclosure.milestone == milestone)))


def test_acknowledgement_sends_one_content_free_m1(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now, affected_name="Zed Canary")
    set_contact_preference(session, affected(case).id, now, consent=True, language="fr")
    fire(session, case, "received", now)
    fire(session, case, "acknowledged", now)
    fire(session, case, "acknowledged", now)  # a repeated event owes nothing new
    session.commit()
    mailer = RecordingMailer()
    assert _deliver_all(session, app, mailer, now) == ["sent"]
    assert _deliver_all(session, app, mailer, now) == []
    ((envelope, notice),) = mailer.sent
    assert envelope.address == "affected@example.org"
    assert envelope.message_id.startswith("<outbox-")
    assert "Connectez-vous" in notice.text and "Zed" not in notice.text
    (disclosure,) = _disclosures(session, "M1")
    assert disclosure.status is DisclosureStatus.SENT
    assert disclosure.channels == "email" and disclosure.template_version
    cipher = open_case_cipher(session, keys, case.id)
    assert "received your report" not in notice.text
    assert disclosure.body_ct is not None
    assert "avons reçu" in cipher.decrypt("disclosures", "body", disclosure.body_ct)


def test_duplicate_delivery_sends_nothing_twice(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    set_contact_preference(session, affected(case).id, now, consent=True)
    fire(session, case, "acknowledged", now)
    session.commit()
    (outbox_id,) = relay_due(session, now, RelayPolicy())
    session.commit()
    mailer = RecordingMailer()
    first = deliver_outbox(session, delivery_for(app, mailer), outbox_id, now, session.commit)
    second = deliver_outbox(session, delivery_for(app, mailer), outbox_id, now, session.commit)
    assert (first, second) == ("sent", "skipped")
    assert len(mailer.sent) == 1


def test_no_consent_records_the_milestone_withheld(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    fire(session, case, "acknowledged", now)
    session.commit()
    mailer = RecordingMailer()
    assert _deliver_all(session, app, mailer, now) == ["drafted"]
    assert mailer.sent == []
    (disclosure,) = _disclosures(session, "M1")
    assert disclosure.status is DisclosureStatus.WITHHELD
    assert disclosure.body_ct is not None  # not lost: the portal can show it


def test_consent_withdrawn_before_the_send_is_checked_again(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    party = affected(case)
    set_contact_preference(session, party.id, now, consent=True)
    fire(session, case, "acknowledged", now)
    set_contact_preference(session, party.id, now + timedelta(minutes=1), consent=False)
    session.commit()
    mailer = RecordingMailer()
    assert _deliver_all(session, app, mailer, now) == ["withheld"]
    assert mailer.sent == []
    (disclosure,) = _disclosures(session, "M1")
    assert disclosure.status is DisclosureStatus.WITHHELD


def test_quiet_hours_defer_the_send(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    # now is 09:30 UTC = 10:30 in Geneva; quiet from 10:00 to 12:00 local.
    set_contact_preference(
        session,
        affected(case).id,
        now,
        consent=True,
        timezone="Europe/Zurich",
        quiet_hours=(600, 720),
    )
    fire(session, case, "acknowledged", now)
    session.commit()
    mailer = RecordingMailer()
    assert _deliver_all(session, app, mailer, now) == ["deferred"]
    assert _deliver_all(session, app, mailer, now + timedelta(minutes=30)) == []
    assert _deliver_all(session, app, mailer, now + timedelta(hours=2)) == ["sent"]
    assert len(mailer.sent) == 1


def test_m4_every_30_days_even_without_change(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    set_contact_preference(session, affected(case).id, now, consent=True)
    fire(session, case, "acknowledged", now)
    session.commit()
    assert scan_milestones(session, now + timedelta(days=29)) == 0
    assert scan_milestones(session, now + timedelta(days=31)) == 1
    assert scan_milestones(session, now + timedelta(days=31)) == 0
    assert scan_milestones(session, now + timedelta(days=62)) == 1
    session.commit()
    assert [d.occurrence for d in _disclosures(session, "M4")] == [1, 2]


def test_reviewed_milestone_waits_for_a_human_and_overdue_raises_an_alert(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    reviewer = make_staff(session, entity, Role.SUPERVISOR, now)
    case = make_case(session, keys, entity, now)
    set_contact_preference(session, affected(case).id, now, consent=True)
    fire(session, case, "assessment_decided", now)
    session.commit()
    mailer = RecordingMailer()
    assert _deliver_all(session, app, mailer, now) == ["drafted"]
    (disclosure,) = _disclosures(session, "M2")
    assert disclosure.status is DisclosureStatus.PENDING_REVIEW and disclosure.body_ct
    assert mailer.sent == []
    late = disclosure.due_at + timedelta(hours=1)
    assert alert_overdue_milestones(session, late) == 1
    assert alert_overdue_milestones(session, late) == 0
    release_disclosure(session, disclosure.id, reviewer.id, late)
    session.commit()
    with pytest.raises(TransitionRefused):
        release_disclosure(session, disclosure.id, reviewer.id, late)
    outcomes = _deliver_all(session, app, mailer, late)
    assert sorted(outcomes) == ["sent", "sent"]  # the notice and the overdue alert
    assert disclosure.released_by == reviewer.id
    assert disclosure.status is DisclosureStatus.SENT


def test_subject_gets_due_process_notices_with_appeal_windows(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    fire(session, case, "memorandum_issued", now)
    fire(session, case, "decision", now + timedelta(days=60))
    fire(session, case, "decision_notified", now + timedelta(days=61))
    session.commit()
    notices = session.scalars(select(SubjectNotice).order_by(SubjectNotice.id)).all()
    kinds = [(n.kind, n.key) for n in notices]
    assert ("allegations_memorandum", "") in kinds and ("response_deadline", "") in kinds
    assert ("decision", "") in kinds and ("appeal_window", "management_evaluation") in kinds
    deadline = next(n for n in notices if n.kind == "response_deadline")
    assert deadline.closes_at == now + timedelta(days=14)
    undt = next(n for n in notices if n.key == "undt")
    assert (
        undt.closes_at is not None
        and undt.closes_at.date() == (now + timedelta(days=61 + 91)).date()
    )
    mailer = RecordingMailer()
    outcomes = _deliver_all(session, app, mailer, now + timedelta(days=61))
    assert outcomes.count("portal") == len(notices)  # the subject has no e-mail on file


def test_failed_after_last_retry_then_administrator_retries(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    set_contact_preference(session, affected(case).id, now, consent=True)
    fire(session, case, "acknowledged", now)
    session.commit()
    delivery = delivery_for(app, smtp_port=1)  # nothing listens there
    at = now
    outcomes = []
    for _ in range(3):
        for outbox_id in relay_due(session, at, RelayPolicy()):
            session.commit()
            outcomes.append(deliver_outbox(session, delivery, outbox_id, at, session.commit))
            session.commit()
        at += timedelta(hours=1)
    assert outcomes == ["retry", "retry", "failed"]
    (row,) = failed_rows(session)
    assert row.last_error == "ChannelError"
    assert _disclosures(session, "M1")[0].status is DisclosureStatus.FAILED
    retry_failed(session, row.id, at)
    session.commit()
    assert row.status is OutboxStatus.PENDING and row.attempts == 0
    count = session.scalar(
        select(func.count()).select_from(Outbox).where(Outbox.kind == OutboxKind.NOTICE)
    )
    assert count == 1
