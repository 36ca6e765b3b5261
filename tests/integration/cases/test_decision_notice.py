"""Recording when the subject was notified of the decision, and the appeal windows it opens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.decision_models import Decision, DisciplinaryMeasure
from casework.cases.models import Case, Finding, Stage
from casework.cases.workflow import (
    advance_stage,
    record_decision,
    record_decision_notice,
    record_findings,
)
from casework.errors import ValidationFailed
from casework.identity.models import Entity, Role, RoleGrant, StaffUser
from casework.keys.services import Keys
from casework.notifications.models import SubjectNotice
from tests.factories import make_case, make_entity, make_staff
from tests.support.access_matrix import assert_case_route_guarded, build_world, send
from tests.support.access_matrix import signed_in_client as client_for

REAL_NOW = datetime.now(UTC)


def _to_disciplinary(session: Session, case: Case, at: datetime) -> None:
    for stage in (Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.REFERRAL):
        advance_stage(session, case, stage, None, None, at)
    record_findings(session, case, {a.id: Finding.SUFFICIENT for a in case.allegations}, None, at)
    advance_stage(session, case, Stage.DISCIPLINARY, None, None, at)


def _decided_case(session: Session, keys: Keys, decided_at: datetime) -> Case:
    case = make_case(session, keys, make_entity(session, decided_at), decided_at)
    _to_disciplinary(session, case, decided_at)
    record_decision(
        session, case, [DisciplinaryMeasure.FINE], None, decided_at, None, None, decided_at
    )
    return case


def _appeal_notices(session: Session, case: Case) -> dict[str, datetime | None]:
    rows = session.execute(
        select(SubjectNotice.key, SubjectNotice.closes_at).where(
            SubjectNotice.case_id == case.id, SubjectNotice.kind == "appeal_window"
        )
    )
    return {key: closes_at for key, closes_at in rows}


def _notified(session: Session, case: Case) -> datetime | None:
    return session.scalars(select(Decision.notified_at).where(Decision.case_id == case.id)).one()


def _refused(session: Session, case: Case, at: datetime, now: datetime) -> str:
    with pytest.raises(ValidationFailed) as caught:
        record_decision_notice(session, case, at, None, now)
    assert set(caught.value.errors) == {"notified_at"}
    return caught.value.errors["notified_at"]


def test_notice_is_refused_without_decision_in_future_before_it_or_twice(
    session: Session, keys: Keys
) -> None:
    now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    undecided = make_case(session, keys, make_entity(session, now), now)
    assert "record the decision" in _refused(session, undecided, now, now)

    decided_at = now - timedelta(days=3)
    case = _decided_case(session, keys, decided_at)
    assert "future" in _refused(session, case, now + timedelta(minutes=1), now)
    assert "before the decision" in _refused(session, case, decided_at - timedelta(hours=1), now)
    assert _notified(session, case) is None
    assert _appeal_notices(session, case) == {}

    notified = decided_at + timedelta(days=1)
    record_decision_notice(session, case, notified, None, now)
    assert session.scalars(select(Decision.notified_at)).one() == notified
    # The subject is told of every window counted from the decision's notification.
    first_day = datetime(2026, 11, 24, tzinfo=UTC)  # the day after the notice
    assert _appeal_notices(session, case) == {
        "management_evaluation": first_day + timedelta(days=60),
        "undt": first_day + timedelta(days=90),
        "iloat": first_day + timedelta(days=90),
    }
    assert "already recorded" in _refused(session, case, notified, now)
    assert session.scalar(select(func.count()).select_from(SubjectNotice)) == 4  # + decision


def _decision_maker(session: Session, case: Case) -> StaffUser:
    """A supervisor who also decides (sees every case of the entity and may record the notice)."""
    entity = session.get_one(Entity, case.entity_id)
    user = make_staff(session, entity, Role.SUPERVISOR, REAL_NOW)
    session.add(RoleGrant(user_id=user.id, entity_id=case.entity_id, role=Role.DECISION_MAKER))
    session.commit()
    return user


def _row(body: str, key: str) -> str:
    match = re.search(rf'<tr data-key="{key}">(.*?)</tr>', body, re.S)
    assert match is not None, key
    return match.group(1)


def test_the_case_page_records_the_notice_and_shows_each_window_in_words(
    app: Flask, session: Session, keys: Keys
) -> None:
    decided_at = REAL_NOW - timedelta(days=75)
    case = _decided_case(session, keys, decided_at)
    user = _decision_maker(session, case)
    client, csrf = client_for(app, session, user)
    url = f"/cases/{case.id}"

    status, body, _ = send(client, "GET", url, csrf)
    assert status == 200 and "Record the notification" in body
    assert 'id="appeal-windows"' not in body
    stamp = (REAL_NOW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    status, body, _ = send(
        client,
        "POST",
        f"{url}/decision/notification",
        csrf,
        {
            "subject_notified_at": stamp,
        },
    )
    assert status == 400
    assert "Subject notified at: cannot be in the future" in body
    assert 'aria-describedby="subject_notified_at-hint subject_notified_at-error"' in body
    assert f'value="{stamp}"' in body
    status, body, _ = send(
        client, "POST", f"{url}/decision/notification", csrf, {"subject_notified_at": ""}
    )
    assert status == 400 and 'id="subject_notified_at-error"' in body
    session.rollback()
    assert _notified(session, case) is None

    notified = (decided_at + timedelta(days=5)).replace(second=0, microsecond=0)
    status, _body, location = send(
        client,
        "POST",
        f"{url}/decision/notification",
        csrf,
        {"subject_notified_at": notified.strftime("%Y-%m-%dT%H:%M")},
    )
    assert status == 302 and location.endswith("#notification")
    session.rollback()
    assert _notified(session, case) == notified

    status, body, _ = send(client, "GET", url, csrf)
    assert "Record the notification" not in body
    # Notified 70 days ago: the 60-day window has closed, the 90-day ones are open.
    management = _row(body, "management_evaluation")
    last_day = notified.date() + timedelta(days=60)
    assert f"{last_day:%a %d %b %Y}" in management
    assert "<strong>Closed</strong>: the last day to file was" in management
    undt = _row(body, "undt")
    last_day = notified.date() + timedelta(days=90)
    days_left = (last_day - REAL_NOW.date()).days
    assert f"<strong>Open</strong>: the last day to file is in {days_left} days" in undt
    assert f'<time datetime="{last_day.isoformat()}">' in undt
    assert 'data-key="unat"' not in body  # counted from a tribunal judgment, not the decision

    status, body, _ = send(
        client,
        "POST",
        f"{url}/decision/notification",
        csrf,
        {"subject_notified_at": notified.strftime("%Y-%m-%dT%H:%M")},
    )
    assert status == 400 and "was already recorded" in body


def test_without_the_role_or_a_decision_nothing_is_recorded(
    app: Flask, session: Session, keys: Keys
) -> None:
    undecided = make_case(session, keys, make_entity(session, REAL_NOW), REAL_NOW)
    session.commit()
    user = _decision_maker(session, undecided)
    client, csrf = client_for(app, session, user)
    stamp = REAL_NOW.strftime("%Y-%m-%dT%H:%M")
    url = f"/cases/{undecided.id}/decision/notification"
    status, body, _ = send(client, "POST", url, csrf, {"subject_notified_at": stamp})
    assert status == 400 and "record the decision before its notification" in body
    assert 'id="subject_notified_at"' in body  # the field the error is tied to is on the page

    decided = _decided_case(session, keys, REAL_NOW - timedelta(days=1))
    entity = session.get_one(Entity, decided.entity_id)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, REAL_NOW)
    session.commit()
    client, csrf = client_for(app, session, supervisor)
    status, body, _ = send(client, "GET", f"/cases/{decided.id}", csrf)
    assert status == 200 and "Record the notification" not in body
    url = f"/cases/{decided.id}/decision/notification"
    assert send(client, "POST", url, csrf, {"subject_notified_at": stamp})[0] == 404
    session.rollback()
    assert session.scalars(select(Decision.notified_at)).all() == [None]


def test_the_notice_route_passes_the_access_matrix(
    app: Flask, session: Session, keys: Keys
) -> None:
    world = build_world(session, keys, REAL_NOW)
    stamp = REAL_NOW.strftime("%Y-%m-%dT%H:%M")
    assert_case_route_guarded(
        app,
        session,
        world,
        "POST",
        f"/cases/{world.case.id}/decision/notification",
        {"subject_notified_at": stamp},
    )
