"""An open clock stop holds its deadlines: no alert while it lasts, moved dates on the case page
and in the periodic refresh, alerts resuming (each threshold once) when the stop ends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.clock_models import StopReasonCode
from casework.cases.clocks import (
    decide_clock_stop,
    end_clock_stop,
    refresh_stopped_deadlines,
    request_clock_stop,
)
from casework.cases.models import Case, Deadline, Stage
from casework.cases.services import log_step
from casework.cases.workflow import advance_stage
from casework.identity.models import Entity, Role, StaffUser
from casework.keys.services import Keys
from casework.notifications.models import DeadlineAlert
from casework.notifications.scans import scan_deadline_alerts
from tests.factories import make_case_received_at, make_entity, make_staff
from tests.support.access_matrix import send, signed_in_client

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def _investigating(
    session: Session, keys: Keys, entity: Entity, received: datetime = RECEIVED
) -> tuple[Case, datetime]:
    """A case in investigation whose intake and assessment clocks are all met."""
    case = make_case_received_at(session, keys, entity, received, received)
    for hours, kind in enumerate(("acknowledgement", "safety_triage", "interim_measure"), 1):
        at = received + timedelta(hours=hours)
        log_step(session, keys, case, kind, None, at, None, at)
    assigned = received + timedelta(hours=5)
    advance_stage(session, case, Stage.ASSESSMENT, None, None, assigned)
    advance_stage(session, case, Stage.INVESTIGATION, None, None, assigned)
    return case, assigned


def _stop(session: Session, case: Case, staff: tuple[StaffUser, StaffUser], at: datetime) -> int:
    investigator, supervisor = staff
    stop = request_clock_stop(
        session, case, StopReasonCode.SUBJECT_SICK_LEAVE, at, investigator.id, at
    )
    decide_clock_stop(session, case, stop, True, supervisor.id, at)
    return stop.id


def _row(session: Session, case: Case, key: str = "investigation") -> Deadline:
    session.expire_all()
    return session.scalars(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.key == key)
    ).one()


def _alerts(session: Session, case: Case) -> list[tuple[str, str]]:
    rows = session.execute(
        select(DeadlineAlert.deadline_key, DeadlineAlert.threshold)
        .where(DeadlineAlert.case_id == case.id)
        .order_by(DeadlineAlert.id)
    )
    return [(key, threshold) for key, threshold in rows]


def _staff(session: Session, entity: Entity) -> tuple[StaffUser, StaffUser]:
    return (
        make_staff(session, entity, Role.INVESTIGATOR, RECEIVED),
        make_staff(session, entity, Role.SUPERVISOR, RECEIVED),
    )


def test_a_stop_longer_than_amber_raises_nothing_then_alerts_resume_moved(
    session: Session, keys: Keys
) -> None:
    entity = make_entity(session, RECEIVED)
    staff = _staff(session, entity)
    case, assigned = _investigating(session, keys, entity)
    assert _row(session, case).amber_at == assigned + timedelta(days=60)
    stopped = assigned + timedelta(days=10)
    stop_id = _stop(session, case, staff, stopped)
    held = session.scalars(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.met_at.is_(None))
    ).all()
    assert {row.key for row in held} == {"investigation", "end_to_end"}
    assert all(row.next_alert_at is None for row in held)

    # 75 days in: the original amber (day 60) has passed, but the clock has been stopped since
    # day 10. A scan finds nothing to alert; the periodic refresh moves the stored dates.
    day_75 = assigned + timedelta(days=75)
    assert scan_deadline_alerts(session, day_75) == 0
    assert refresh_stopped_deadlines(session, day_75) == 1
    row = _row(session, case)
    assert row.due_at == assigned + timedelta(days=90 + 65)
    assert row.amber_at == assigned + timedelta(days=60 + 65)
    assert row.next_alert_at is None
    assert scan_deadline_alerts(session, day_75 + timedelta(days=1)) == 0
    assert _alerts(session, case) == []

    # The stop ends on day 80 after 70 days: every clock moves 70 days later and alerts resume.
    from casework.cases.clock_models import ClockStop

    ended = assigned + timedelta(days=80)
    end_clock_stop(session, case, session.get_one(ClockStop, stop_id), ended, None, ended)
    row = _row(session, case)
    assert row.due_at == assigned + timedelta(days=160)
    assert row.amber_at == assigned + timedelta(days=130)
    assert row.next_alert_at == assigned + timedelta(days=130)
    assert refresh_stopped_deadlines(session, ended) == 0
    assert scan_deadline_alerts(session, assigned + timedelta(days=129)) == 0
    assert scan_deadline_alerts(session, assigned + timedelta(days=131)) == 1
    assert _alerts(session, case) == [("investigation", "amber")]


def test_a_row_left_armed_under_an_open_stop_is_disarmed_by_the_scan(
    session: Session, keys: Keys
) -> None:
    entity = make_entity(session, RECEIVED)
    case, assigned = _investigating(session, keys, entity)
    _stop(session, case, _staff(session, entity), assigned + timedelta(days=10))
    row = _row(session, case)
    # As stored before holding existed: still armed on the original amber instant.
    row.amber_at = row.next_alert_at = assigned + timedelta(days=60)
    session.flush()
    assert scan_deadline_alerts(session, assigned + timedelta(days=61)) == 0
    assert _row(session, case).next_alert_at is None
    assert _alerts(session, case) == []


def test_thresholds_alerted_before_a_stop_are_not_alerted_again(
    session: Session, keys: Keys
) -> None:
    entity = make_entity(session, RECEIVED)
    staff = _staff(session, entity)
    case, assigned = _investigating(session, keys, entity)
    assert scan_deadline_alerts(session, assigned + timedelta(days=61)) == 1  # amber
    stop_id = _stop(session, case, staff, assigned + timedelta(days=62))
    assert scan_deadline_alerts(session, assigned + timedelta(days=100)) == 0  # red is held

    from casework.cases.clock_models import ClockStop

    ended = assigned + timedelta(days=110)  # stopped 48 days
    end_clock_stop(session, case, session.get_one(ClockStop, stop_id), ended, None, ended)
    row = _row(session, case)
    assert row.amber_at == assigned + timedelta(days=60)  # crossed before the stop: unmoved
    assert row.red_at == assigned + timedelta(days=138)
    assert scan_deadline_alerts(session, ended + timedelta(minutes=1)) == 0  # amber not again
    assert _row(session, case).next_alert_at == assigned + timedelta(days=138)
    assert scan_deadline_alerts(session, assigned + timedelta(days=139)) == 1
    assert _alerts(session, case) == [("investigation", "amber"), ("investigation", "red")]


def test_case_page_shows_the_moved_due_date_while_a_stop_is_open(
    app: Flask, session: Session, keys: Keys
) -> None:
    real_now = datetime.now(UTC)
    entity = make_entity(session, real_now)
    staff = _staff(session, entity)
    case, assigned = _investigating(
        session, keys, entity, received=real_now - timedelta(days=90, hours=5)
    )
    stopped = assigned + timedelta(days=5)
    _stop(session, case, staff, stopped)
    stored = _row(session, case)
    assert stored.due_at == assigned + timedelta(days=90)  # as of the approval: today
    session.commit()

    client, csrf = signed_in_client(app, session, staff[1])
    before = datetime.now(UTC)
    status, body, _ = send(client, "GET", f"/cases/{case.id}", csrf)
    after = datetime.now(UTC)
    assert status == 200
    line = re.search(r'<tr data-key="investigation">(.*?)</tr>', body, re.S)
    assert line is not None
    shown = datetime.fromisoformat(re.findall(r'<time datetime="([^"]+)"', line.group(1))[0])
    moved = assigned + timedelta(days=90)  # plus however long the stop has lasted so far
    assert moved + (before - stopped) <= shown <= moved + (after - stopped)
    assert "Clock stopped" in line.group(1)
    assert "On track" in line.group(1) and "Late" not in line.group(1)
    session.rollback()
    assert _row(session, case).due_at == assigned + timedelta(days=90)  # the GET wrote nothing


def test_a_scan_in_small_batches_raises_every_due_alert_once(session: Session, keys: Keys) -> None:
    entity = make_entity(session, RECEIVED)
    cases = [make_case_received_at(session, keys, entity, RECEIVED, RECEIVED) for _ in range(3)]
    session.commit()
    armed = session.scalar(
        select(func.count())
        .select_from(Deadline)
        .where(Deadline.case_id.in_([c.id for c in cases]), Deadline.next_alert_at.is_not(None))
    )
    assert armed and armed > 4  # several batches of 2, the last one possibly short
    later = RECEIVED + timedelta(days=400)
    raised = scan_deadline_alerts(session, later, batch=2)
    session.commit()
    alerts = session.scalars(
        select(DeadlineAlert.case_id).where(DeadlineAlert.case_id.in_([c.id for c in cases]))
    ).all()
    assert raised == len(alerts) > armed  # past every threshold: amber, red and more
    assert scan_deadline_alerts(session, later, batch=2) == 0
    left = session.scalar(
        select(func.count())
        .select_from(Deadline)
        .where(
            Deadline.case_id.in_([c.id for c in cases]),
            Deadline.next_alert_at.is_not(None),
            Deadline.next_alert_at <= later,
        )
    )
    assert left == 0
