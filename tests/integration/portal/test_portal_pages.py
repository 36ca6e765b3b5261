"""Reporting online, the status page, messages, retaliation and contact choices (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.events import CaseEvent, listen, unlisten
from casework.cases.models import Case, CaseStep, Deadline, PartyRole, Stage
from casework.keys.services import Keys, open_case_cipher
from casework.notifications.models import ContactPreference, Disclosure, DisclosureStatus
from casework.portal.catalogue import CATALOGUES
from casework.receipts.credentials import Credentials
from tests.factories import make_case, make_entity
from tests.integration.notifications.helpers import fire
from tests.integration.portal.conftest import Portal, affected_party, give_access


@pytest.fixture
def events() -> Iterator[list[CaseEvent]]:
    """Every case event emitted during the test."""
    seen: list[CaseEvent] = []

    def record(_session: Session, event: CaseEvent) -> None:
        seen.append(event)

    listen(record)
    yield seen
    unlisten(record)


def _report(portal: Portal, entity_id: int, **fields: str) -> tuple[int, str]:
    portal.get("/portal/report")
    data = {"entity": str(entity_id), "role": "affected", "narrative": "He cornered me twice."}
    data.update(fields)
    response = portal.post("/portal/report", dict(data))
    return response.status_code, response.get_data(as_text=True)


def _credentials(page: str) -> Credentials:
    code = page.split('id="receipt-code" dir="ltr">')[1].split("<")[0]
    passphrase = page.split('id="passphrase" dir="ltr">')[1].split("<")[0]
    return Credentials(code, passphrase)


def test_an_anonymous_report_reaches_intake_and_is_followed_with_code_and_passphrase(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    entity = make_entity(session, now)
    session.commit()
    status, page = _report(portal, entity.id, anonymous="yes", name="Should Not Be Kept")
    assert status == 200
    credentials = _credentials(page)
    assert len(credentials.passphrase.split()) == 6
    (case,) = session.scalars(select(Case)).all()
    assert case.stage is Stage.INTAKE and case.intake_channel == "portal" and case.anonymous
    assert case.entity_id == entity.id
    (reporter,) = case.parties
    assert reporter.role is PartyRole.AFFECTED and reporter.name_ct is None

    follower = Portal(app.test_client())  # another browser: nothing but the two secrets
    assert follower.sign_in(credentials).status_code == 303
    case_page = follower.get("/portal/case")
    assert case_page.status_code == 200
    assert CATALOGUES["en"]["stage_intake"] in case_page.get_data(as_text=True)


def test_a_witness_reports_with_the_affected_person_unnamed(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    entity = make_entity(session, now)
    session.commit()
    status, _page = _report(portal, entity.id, role="witness", name="Wit Ness", email="w@x.org")
    assert status == 200
    (case,) = session.scalars(select(Case)).all()
    assert not case.anonymous
    witness, affected = case.parties
    assert witness.role is PartyRole.WITNESS and witness.name_ct is not None
    assert affected.role is PartyRole.AFFECTED and affected.name_ct is None


@pytest.mark.parametrize(
    "fields",
    [
        {"narrative": ""},
        {"narrative": "x" * 10_001},
        {"email": "not-an-address"},
        {"entity": "999999"},
        {"entity": "abc"},
        {"role": "subject"},
        {"name": "n" * 201},
    ],
)
def test_invalid_reports_are_refused_and_nothing_is_written(
    app: Flask, session: Session, now: datetime, portal: Portal, fields: dict[str, str]
) -> None:
    entity = make_entity(session, now)
    session.commit()
    status, page = _report(portal, entity.id, **fields)
    assert status == 400
    assert 'class="error-summary"' in page and 'class="field-error"' in page
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def _disclose(session: Session, keys: Keys, case: Case, text: str, now: datetime) -> None:
    cipher = open_case_cipher(session, keys, case.id)
    session.add(
        Disclosure(
            case_id=case.id,
            party_id=affected_party(case).id,
            milestone="M4",
            status=DisclosureStatus.SENT,
            template_version="test",
            due_at=now,
            created_at=now,
            sent_at=now,
            body_ct=cipher.encrypt("disclosures", "body", text),
        )
    )
    session.commit()


def test_the_person_sees_their_own_case_only_and_nothing_of_others(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    entity = make_entity(session, now)
    mine = make_case(
        session,
        keys,
        entity,
        now,
        subject_name="Sam Subjectname",
        allegation="Secret allegation wording",
    )
    other = make_case(session, keys, entity, now, affected_name="Other Person")
    _disclose(session, keys, mine, "Your case is moving: message for you.", now)
    _disclose(session, keys, other, "Message meant for someone else.", now)
    credentials = give_access(session, keys, mine, now)
    give_access(session, keys, other, now)
    portal.sign_in(credentials)
    page = portal.get("/portal/case").get_data(as_text=True)
    assert "Your case is moving: message for you." in page
    for secret in (
        "someone else",
        "Other Person",
        "Sam Subjectname",
        "Secret allegation",
        "Affected Person",
        "affected@example.org",
    ):
        assert secret not in page
    assert f"{(now + timedelta(days=30)).date().isoformat()}" in page


def test_an_overdue_deadline_says_taking_longer_than_planned(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now, received_days_ago=60)
    credentials = give_access(session, keys, case, now)
    deadlines = session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all()
    assert any(d.met_at is None and d.red_at < datetime.now(now.tzinfo) for d in deadlines)
    portal.sign_in(credentials)
    page = portal.get("/portal/case").get_data(as_text=True)
    assert CATALOGUES["en"]["delayed"] in page


def test_a_message_reaches_the_timeline_encrypted_and_alerts_the_owner(
    app: Flask,
    session: Session,
    keys: Keys,
    now: datetime,
    portal: Portal,
    events: list[CaseEvent],
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    credentials = give_access(session, keys, case, now)
    portal.sign_in(credentials)
    response = portal.post("/portal/case/message", {"message": "Can I change my office?"})
    assert response.status_code == 303
    (step,) = session.scalars(
        select(CaseStep).where(CaseStep.kind == "message_from_affected")
    ).all()
    assert step.case_id == case.id and step.actor_id is None and step.narrative_ct is not None
    cipher = open_case_cipher(session, keys, case.id)
    assert cipher.decrypt("case_steps", "narrative", step.narrative_ct) == "Can I change my office?"
    assert b"Can I change" not in step.narrative_ct
    (event,) = [e for e in events if e.name == "step:message_from_affected"]
    assert event.case_id == case.id and event.details["step_id"] == step.id


def test_retaliation_is_a_priority_step_and_raises_its_event(
    app: Flask,
    session: Session,
    keys: Keys,
    now: datetime,
    portal: Portal,
    events: list[CaseEvent],
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    portal.sign_in(give_access(session, keys, case, now))
    response = portal.post("/portal/case/retaliation", {"message": "I was moved off my team."})
    assert response.status_code == 303
    (_step,) = session.scalars(select(CaseStep).where(CaseStep.kind == "retaliation_report")).all()
    names = [e.name for e in events if e.case_id == case.id]
    assert "step:retaliation_report" in names and "retaliation_reported" in names


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/portal/case/message", {"message": ""}),
        ("/portal/case/message", {"message": "m" * 5001}),
        ("/portal/case/retaliation", {"message": "   "}),
        ("/portal/case/choices", {"consent": "maybe", "language": "en"}),
        ("/portal/case/choices", {"consent": "yes", "language": "xx"}),
        (
            "/portal/case/choices",
            {"consent": "yes", "language": "en", "quiet_from": "25:00", "quiet_to": "07:00"},
        ),
        ("/portal/case/choices", {"consent": "yes", "language": "en", "timezone": "Mars/Base"}),
        ("/portal/case/choices", {"consent": "yes", "language": "en", "channels": ["fax"]}),
    ],
)
def test_invalid_case_forms_are_refused_and_nothing_is_written(
    app: Flask,
    session: Session,
    keys: Keys,
    now: datetime,
    portal: Portal,
    path: str,
    data: dict[str, str | list[str]],
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    portal.sign_in(give_access(session, keys, case, now))
    response = portal.post(path, data)
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(CaseStep)) == 0
    assert session.scalar(select(func.count()).select_from(ContactPreference)) == 0


def test_withdrawing_consent_withholds_the_next_milestone(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    portal.sign_in(give_access(session, keys, case, now))
    given = portal.post(
        "/portal/case/choices",
        {
            "consent": "yes",
            "language": "fr",
            "channels": ["email"],
            "quiet_from": "22:00",
            "quiet_to": "07:00",
            "timezone": "Europe/Zurich",
            "sms_unsafe": "yes",
        },
    )
    assert given.status_code == 303
    pref = session.scalars(select(ContactPreference)).one()
    assert pref.language == "fr" and pref.quiet_start_minute == 22 * 60 and not pref.sms_safe
    assert pref.email_safe and pref.consent_given_at is not None
    withdrawn = portal.post("/portal/case/choices", {"consent": "no", "language": "fr"})
    assert withdrawn.status_code == 303
    session.expire_all()
    fire(session, session.get(Case, case.id), "acknowledged", now)  # type: ignore[arg-type]
    session.commit()
    (m1,) = session.scalars(select(Disclosure).where(Disclosure.milestone == "M1")).all()
    assert m1.status is DisclosureStatus.WITHHELD


def test_every_portal_page_is_no_store_and_arabic_is_right_to_left(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    portal.sign_in(give_access(session, keys, case, now))
    for path in (
        "/portal/",
        "/portal/report",
        "/portal/case",
        "/portal/case?lang=ar",
        "/portal/static/portal.js",
    ):
        response = portal.get(path)
        assert response.status_code in (200, 302), path
        assert response.headers["Cache-Control"] == "no-store", path
    arabic = portal.get("/portal/report?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic and CATALOGUES["ar"]["report_title"] in arabic
    # The choice sticks (cookie) until changed.
    assert 'dir="rtl"' in portal.get("/portal/case").get_data(as_text=True)
    for lang in ("zh", "fr", "ru", "es"):
        page = portal.get(f"/portal/report?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}" dir="ltr">' in page
        assert CATALOGUES[lang]["send_report"] in page
    assert 'id="quick-exit"' in page and 'href="https://www.un.org/en/"' in page
