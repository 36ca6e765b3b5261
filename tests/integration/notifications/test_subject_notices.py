"""The subject's due-process notices: their language and channels, substance only in the portal."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case, Party, PartyRole
from casework.cases.services import NewCase, NewParty, open_case
from casework.keys.services import Keys, open_case_cipher
from casework.notifications.delivery import deliver_outbox
from casework.notifications.models import Outbox, OutboxKind, SubjectNotice
from casework.notifications.outbox import RelayPolicy, relay_due
from casework.notifications.rules import set_contact_preference
from tests.factories import make_entity
from tests.integration.notifications.helpers import RecordingMailer, delivery_for, fire

SUBJECT_NAME = "Quokka Subject"
SUBJECT_EMAIL = "quokka.subject@example.org"
SUBJECT_PHONE = "+41 22 555 0101"


def _case(session: Session, keys: Keys, now: datetime) -> Case:
    return open_case(
        session,
        keys,
        make_entity(session, now),
        NewCase(
            category="verbal",
            intake_channel="email",
            received_at=now,
            parties=(
                NewParty(PartyRole.AFFECTED, "Affected Person", None),
                NewParty(PartyRole.SUBJECT, SUBJECT_NAME, SUBJECT_EMAIL, SUBJECT_PHONE),
            ),
            allegations=("Unwelcome comments of a sexual nature.",),
        ),
        actor_id=None,
        now=now,
    )


def _subject(case: Case) -> Party:
    return next(p for p in case.parties if p.role is PartyRole.SUBJECT)


def _deliver(
    session: Session, app: Flask, now: datetime
) -> tuple[RecordingMailer, RecordingMailer, list[str]]:
    mailer, sms = RecordingMailer(), RecordingMailer()
    delivery = replace(delivery_for(app, mailer), sms=sms)  # type: ignore[arg-type]
    ids = [
        i
        for i in relay_due(session, now, RelayPolicy())
        if session.get(Outbox, i).kind is OutboxKind.SUBJECT_NOTICE  # type: ignore[union-attr]
    ]
    session.commit()
    outcomes = [deliver_outbox(session, delivery, i, now, session.commit) for i in ids]
    session.commit()
    return mailer, sms, outcomes


def _substance(session: Session, keys: Keys, case: Case, kind: str, key: str = "") -> str:
    notice = session.scalar(
        select(SubjectNotice).where(SubjectNotice.kind == kind, SubjectNotice.key == key)
    )
    assert notice is not None and notice.body_ct is not None
    return open_case_cipher(session, keys, case.id).decrypt(
        "subject_notices", "body", notice.body_ct
    )


def test_french_subject_is_told_by_email_and_sms_in_french(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = _case(session, keys, now)
    set_contact_preference(
        session, _subject(case).id, now, consent=False, channels=("email", "sms"), language="fr"
    )
    fire(session, case, "memorandum_issued", now)
    session.commit()
    mailer, sms, outcomes = _deliver(session, app, now)
    # Two notices (memorandum, response deadline), each by both chosen channels; no consent
    # is needed for due process.
    assert outcomes == ["sent"] * 4
    assert sorted(e.address for e, _ in mailer.sent) == [SUBJECT_EMAIL] * 2
    assert sorted(e.address for e, _ in sms.sent) == [SUBJECT_PHONE] * 2
    for _envelope, notice in [*mailer.sent, *sms.sent]:
        assert notice.language == "fr" and "Connectez-vous" in notice.text
        assert SUBJECT_NAME not in notice.text and "allégations" not in notice.text
    assert "mémorandum" in _substance(session, keys, case, "allegations_memorandum")
    deadline = _substance(session, keys, case, "response_deadline")
    closes = now + timedelta(days=14)
    assert deadline.startswith("Votre réponse écrite") and f"{closes:%H:%M}" in deadline
    assert "décembre 2026" in deadline  # 25 November + 14 days, in French


def test_arabic_subject_gets_right_to_left_notices_and_appeal_windows_in_arabic(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = _case(session, keys, now)
    set_contact_preference(session, _subject(case).id, now, consent=True, language="ar")
    fire(session, case, "decision", now)
    fire(session, case, "decision_notified", now)
    session.commit()
    mailer, _sms, outcomes = _deliver(session, app, now)
    assert outcomes and set(outcomes) == {"sent"}
    for _envelope, notice in mailer.sent:
        assert 'dir="rtl"' in notice.html and 'lang="ar"' in notice.html
    assert "الإجراء التأديبي" in _substance(session, keys, case, "decision")
    undt = _substance(session, keys, case, "appeal_window", "undt")
    assert "محكمة الأمم المتحدة للمنازعات" in undt and "2027" in undt


def test_no_preference_means_english_email_and_an_unsafe_channel_is_not_used(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = _case(session, keys, now)
    fire(session, case, "decision", now)
    session.commit()
    mailer, sms, outcomes = _deliver(session, app, now)
    assert outcomes == ["sent"] and sms.sent == []
    ((_envelope, notice),) = mailer.sent
    assert notice.language == "en" and "Sign in to read it" in notice.text
    assert _substance(session, keys, case, "decision").startswith("A decision has been taken")

    # The subject marks e-mail unsafe after the next notice was queued: it is not e-mailed.
    subject = _subject(case)
    set_contact_preference(session, subject.id, now, consent=False, channels=("email",))
    fire(session, case, "decision_notified", now)
    session.commit()
    set_contact_preference(
        session, subject.id, now, consent=False, channels=("email",), email_safe=False
    )
    session.commit()
    mailer, _sms, outcomes = _deliver(session, app, now)
    assert mailer.sent == [] and outcomes and set(outcomes) == {"withheld"}
    assert "UN Dispute Tribunal" in _substance(session, keys, case, "appeal_window", "undt")
