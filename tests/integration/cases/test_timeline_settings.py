"""An entity's timeline settings: holidays move open cases' working-day deadlines; adopting a
guidance version moves none but pins new cases to it. Pages for administrators and the head of
entity only (404 for anyone else), audited, refusing bad input whole."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.cases.holidays import add_holiday, remove_holiday
from casework.cases.models import Case, Deadline, Outcome, Stage
from casework.cases.workflow import advance_stage
from casework.errors import NotFound, ValidationFailed
from casework.guidance import default_version, register_version
from casework.identity.models import Entity, EntityHoliday, Role
from casework.keys.services import Keys
from casework.notifications.models import DeadlineAlert
from casework.notifications.scans import scan_deadline_alerts
from tests.factories import make_case_received_at, make_entity, make_user
from tests.support.access_matrix import anonymous_csrf, send, signed_in_client

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = "2026-03-03"


def _deadlines(session: Session, case: Case) -> dict[str, tuple[datetime | None, ...]]:
    session.expire_all()
    rows = session.scalars(select(Deadline).where(Deadline.case_id == case.id))
    return {row.key: (row.due_at, row.amber_at, row.red_at, row.next_alert_at) for row in rows}


def _ack_alerts(session: Session, case: Case) -> list[str]:
    return list(
        session.scalars(
            select(DeadlineAlert.threshold).where(
                DeadlineAlert.case_id == case.id,
                DeadlineAlert.deadline_key == "acknowledge_receipt",
            )
        )
    )


def _holidays(session: Session, entity: Entity) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.execute(
        select(EntityHoliday.day, EntityHoliday.label)
        .where(EntityHoliday.entity_id == entity.id)
        .order_by(EntityHoliday.day)
    )
    return [(day, label) for day, label in rows]


def _actions(session: Session, actor_id: int) -> list[str]:
    session.rollback()
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.actor_id == actor_id)
            .order_by(AuditEntry.seq)
        )
    )


def test_a_holiday_moves_open_cases_working_day_deadlines_and_keeps_alerts(
    session: Session, keys: Keys
) -> None:
    entity = make_entity(session, MONDAY)
    other = make_entity(session, MONDAY)
    case = make_case_received_at(session, keys, entity, MONDAY, MONDAY)
    closed = make_case_received_at(session, keys, entity, MONDAY, MONDAY)
    advance_stage(session, closed, Stage.ASSESSMENT, None, None, MONDAY)
    advance_stage(session, closed, Stage.CLOSED, Outcome.NOT_PURSUED, None, MONDAY)
    elsewhere = make_case_received_at(session, keys, other, MONDAY, MONDAY)
    before = _deadlines(session, case)
    assert before["acknowledge_receipt"][0] == datetime(2026, 3, 4, 9, tzinfo=UTC)  # Wednesday
    # Amber (1 working day, Tuesday 09:00) is alerted before the holiday is known.
    tuesday_10h = datetime(2026, 3, 3, 10, tzinfo=UTC)
    scan_deadline_alerts(session, tuesday_10h)
    assert _ack_alerts(session, case) == ["amber"]
    untouched = (_deadlines(session, closed), _deadlines(session, elsewhere))

    add_holiday(session, entity, TUESDAY, "Founders' Day", tuesday_10h)
    after = _deadlines(session, case)
    due, amber, red, next_alert = after["acknowledge_receipt"]
    assert due == datetime(2026, 3, 5, 9, tzinfo=UTC)  # Thursday: Tuesday no longer counts
    assert amber == datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert next_alert == red  # amber stays alerted; red is next
    assert after["interim_measures_decision"][0] == datetime(2026, 3, 10, 9, tzinfo=UTC)
    assert after["end_to_end"] == before["end_to_end"]  # calendar days do not move
    assert (_deadlines(session, closed), _deadlines(session, elsewhere)) == untouched
    scan_deadline_alerts(session, datetime(2026, 3, 4, 10, tzinfo=UTC))
    assert _ack_alerts(session, case) == ["amber"]  # the moved amber is not alerted again

    holiday_id = session.scalars(select(EntityHoliday.id)).one()
    remove_holiday(session, entity, holiday_id, tuesday_10h)
    assert _deadlines(session, case)["acknowledge_receipt"][0] == before["acknowledge_receipt"][0]
    assert _holidays(session, entity) == []


def test_bad_holidays_are_refused_whole(session: Session, keys: Keys) -> None:
    entity = make_entity(session, MONDAY)
    other = make_entity(session, MONDAY)
    add_holiday(session, entity, TUESDAY, "Founders' Day", MONDAY)
    cases = [
        ("2026-02-30", "Leap", {"day"}),
        ("tomorrow", "", {"day", "label"}),
        ("20260303", "Compact", {"day"}),
        (TUESDAY, "Again", {"day"}),
        ("2026-03-04", "x" * 121, {"label"}),
    ]
    for day, label, fields in cases:
        with pytest.raises(ValidationFailed) as caught:
            add_holiday(session, entity, day, label, MONDAY)
        assert set(caught.value.errors) == fields, (day, label)
    assert "already a holiday" in _refusal(session, entity, TUESDAY)
    assert _holidays(session, entity) == [(TUESDAY, "Founders' Day")]
    holiday_id = session.scalars(select(EntityHoliday.id)).one()
    with pytest.raises(NotFound):
        remove_holiday(session, other, holiday_id, MONDAY)
    assert _holidays(session, entity) == [(TUESDAY, "Founders' Day")]


def _refusal(session: Session, entity: Entity, day: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        add_holiday(session, entity, day, "Label", MONDAY)
    return caught.value.errors["day"]


def _faster_version() -> str:
    base = default_version()
    faster = dataclasses.replace(
        base,
        version="2098.1",
        description="Acknowledge within one working day.",
        timelines=tuple(
            dataclasses.replace(rule, target=1, amber=1, red=1)
            if rule.key == "acknowledge_receipt"
            else rule
            for rule in base.timelines
        ),
    )
    register_version(faster)
    return faster.version


def test_adopting_a_version_on_the_page_moves_no_deadline_and_pins_new_cases(
    app: Flask, session: Session, keys: Keys
) -> None:
    version = _faster_version()
    now = datetime.now(UTC)
    received = now - timedelta(hours=1)
    entity = make_entity(session, now)
    head = make_user(session, entity, Role.HEAD_OF_ENTITY, now)
    old_case = make_case_received_at(session, keys, entity, received, received)
    session.commit()
    old = _deadlines(session, old_case)
    client, csrf = signed_in_client(app, session, head)
    url = f"/admin/entities/{entity.id}/guidance"

    status, body, _ = send(client, "GET", url, csrf)
    assert status == 200
    assert re.search(r'id="in-force">2026\.1<', body)
    assert "Version 2098.1" in body and "keep their pinned version" in body
    assert "Open cases of this entity pinned to it: 1." in body

    status, body, _ = send(client, "POST", url, csrf, {"version_id": "1999.9"})
    assert status == 400 and "is not a known guidance version" in body
    assert 'aria-describedby="version_id-error"' in body
    status, _body, location = send(client, "POST", url, csrf, {"version_id": version})
    assert status == 302 and location.endswith(f"{url}?done=adopted")
    assert f"guidance.adopt:entity={entity.id}:version={version}" in _actions(session, head.id)
    status, body, _ = send(client, "GET", location, csrf)
    assert re.search(r'id="in-force">2098\.1<', body) and 'role="status"' in body

    session.expire_all()
    assert session.get_one(Entity, entity.id).guidance_version == version
    assert session.get_one(Case, old_case.id).guidance_version == "2026.1"
    assert _deadlines(session, old_case) == old
    new_case = make_case_received_at(
        session, keys, session.get_one(Entity, entity.id), received, now
    )
    assert new_case.guidance_version == version
    new_due = _deadlines(session, new_case)["acknowledge_receipt"][0]
    old_due = old["acknowledge_receipt"][0]
    assert new_due is not None and old_due is not None
    assert old_due > new_due  # one working day instead of two


def test_holidays_page_adds_removes_and_shows_every_error(
    app: Flask, session: Session, keys: Keys
) -> None:
    now = datetime.now(UTC)
    entity = make_entity(session, now)
    admin = make_user(session, None, Role.ADMINISTRATOR, now)
    session.commit()
    client, csrf = signed_in_client(app, session, admin)
    url = f"/admin/entities/{entity.id}/holidays"

    status, body, _ = send(client, "POST", url, csrf, {"day": "2026-13-01", "label": ""})
    assert status == 400
    assert "There are 2 problems" in body
    assert 'aria-describedby="day-hint day-error" aria-invalid="true"' in body
    assert 'id="label-error"' in body and 'value="2026-13-01"' in body
    assert _holidays(session, entity) == []

    status, _body, location = send(
        client, "POST", url, csrf, {"day": "2026-12-25", "label": "Christmas Day"}
    )
    assert status == 302 and location.endswith("?done=added")
    status, body, _ = send(client, "POST", url, csrf, {"day": "2026-12-25", "label": "Again"})
    assert status == 400 and "25 Dec 2026 is already a holiday" in body
    assert _holidays(session, entity) == [("2026-12-25", "Christmas Day")]
    status, body, _ = send(client, "GET", url, csrf)
    assert status == 200 and "Christmas Day" in body

    holiday_id = session.scalars(select(EntityHoliday.id)).one()
    status, _body, location = send(client, "POST", f"{url}/{holiday_id}/delete", csrf)
    assert status == 302 and location.endswith("?done=removed")
    assert _holidays(session, entity) == []
    assert _actions(session, admin.id)[-2:] == [
        f"holidays.add:entity={entity.id}",
        f"holidays.remove:entity={entity.id}",
    ]


def test_only_administrators_and_the_entity_head_reach_the_settings(
    app: Flask, session: Session, keys: Keys
) -> None:
    now = datetime.now(UTC)
    entity = make_entity(session, now)
    other = make_entity(session, now)
    session.add(EntityHoliday(entity_id=entity.id, day="2026-12-25", label="Christmas Day"))
    allowed = [
        make_user(session, None, Role.ADMINISTRATOR, now),
        make_user(session, entity, Role.ADMINISTRATOR, now),
        make_user(session, entity, Role.HEAD_OF_ENTITY, now),
    ]
    refused = [
        make_user(session, entity, role, now)
        for role in (Role.SUPERVISOR, Role.INVESTIGATOR, Role.INTAKE_OFFICER, Role.DECISION_MAKER)
    ]
    refused += [
        make_user(session, other, Role.HEAD_OF_ENTITY, now),
        make_user(session, other, Role.ADMINISTRATOR, now),
        make_user(session, None, Role.OVERSIGHT, now),
    ]
    session.commit()
    holiday_id = session.scalars(select(EntityHoliday.id)).one()
    base = f"/admin/entities/{entity.id}"
    requests: list[tuple[str, str, dict[str, str] | None]] = [
        ("GET", "/admin/entities/", None),
        ("GET", f"{base}/guidance", None),
        ("POST", f"{base}/guidance", {"version_id": "2026.1"}),
        ("GET", f"{base}/holidays", None),
        ("POST", f"{base}/holidays", {"day": "2026-12-26", "label": "Boxing Day"}),
        ("POST", f"{base}/holidays/{holiday_id}/delete", None),
    ]
    anonymous = app.test_client()
    for method, url, data in requests:
        status, _body, location = send(anonymous, method, url, anonymous_csrf(anonymous), data)
        assert status in (302, 303) and "/sign-in" in location, (method, url)
        for user in refused:
            client, csrf = signed_in_client(app, session, user)
            status, body, _ = send(client, method, url, csrf, data)
            wanted = 404
            if url == "/admin/entities/" and user.grants[0].entity_id == other.id:
                wanted = 200  # their own entity only
                assert entity.code not in body
            assert status == wanted, (user.grants[0].role, method, url, status)
    for user in allowed:
        client, csrf = signed_in_client(app, session, user)
        for url in ("/admin/entities/", f"{base}/guidance", f"{base}/holidays"):
            status, body, _ = send(client, "GET", url, csrf)
            assert status == 200, (user.grants[0].role, url)
        assert "Christmas Day" in body
    assert _holidays(session, entity) == [("2026-12-25", "Christmas Day")]
    assert session.get_one(Entity, entity.id).guidance_version == "2026.1"
