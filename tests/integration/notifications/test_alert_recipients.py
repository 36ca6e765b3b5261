"""Who an alert's e-mails go to, on both backends (PostgreSQL finds them in the insert itself)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.identity.models import AssignmentRole, CaseAssignment, Role
from casework.keys.services import Keys
from casework.notifications.alert_scan import Wanted, raise_alerts
from casework.notifications.models import DeadlineAlert, Outbox, OutboxKind, OutboxStatus
from tests.factories import make_case, make_entity, make_staff


def _queued(session: Session) -> dict[tuple[int, str], list[int]]:
    """(case id, threshold) -> the staff each alert's outbox rows go to."""
    rows = session.execute(
        select(DeadlineAlert.case_id, DeadlineAlert.threshold, Outbox.staff_user_id)
        .join(Outbox, Outbox.ref_id == DeadlineAlert.id)
        .where(Outbox.kind == OutboxKind.ALERT, Outbox.status == OutboxStatus.PENDING)
        .order_by(Outbox.id)
    )
    found: dict[tuple[int, str], list[int]] = {}
    for case_id, threshold, user_id in rows:
        found.setdefault((case_id, threshold), []).append(user_id)
    return found


def _levels_and_people(
    session: Session, keys: Keys, now: datetime
) -> tuple[list[Wanted], dict[tuple[int, str], list[int]]]:
    """Alerts of every level on three cases, and who each one's e-mails must go to."""
    entity, other = make_entity(session, now), make_entity(session, now)
    first, second = (make_staff(session, entity, Role.SUPERVISOR, now) for _ in range(2))
    retired = make_staff(session, entity, Role.SUPERVISOR, now)
    retired.is_active = False
    supervisors = sorted([first.id, second.id])
    head = make_staff(session, entity, Role.HEAD_OF_ENTITY, now)
    make_staff(session, other, Role.SUPERVISOR, now)  # another entity's: never alerted here
    led, ended, leaderless = (make_case(session, keys, entity, now) for _ in range(3))
    lead = make_staff(session, entity, Role.INVESTIGATOR, now)
    former = make_staff(session, entity, Role.INVESTIGATOR, now)
    session.add_all(
        [
            CaseAssignment(
                case_id=led.id, user_id=lead.id, role=AssignmentRole.LEAD, assigned_at=now
            ),
            CaseAssignment(
                case_id=ended.id,
                user_id=former.id,
                role=AssignmentRole.LEAD,
                assigned_at=now - timedelta(days=3),
                ended_at=now - timedelta(days=1),
            ),
            CaseAssignment(
                case_id=leaderless.id, user_id=lead.id, role=AssignmentRole.MEMBER, assigned_at=now
            ),
        ]
    )
    session.flush()
    wanted = [
        (led.id, entity.id, "investigation", "amber"),
        (ended.id, entity.id, "investigation", "amber"),
        (leaderless.id, entity.id, "investigation", "amber"),
        (led.id, entity.id, "investigation", "red"),
        (led.id, entity.id, "investigation", "ceiling"),
    ]
    expected = {
        (led.id, "amber"): [lead.id],
        (ended.id, "amber"): supervisors,
        (leaderless.id, "amber"): supervisors,
        (led.id, "red"): supervisors,
        (led.id, "ceiling"): [head.id],
    }
    return wanted, expected


def test_each_level_reaches_its_people_and_only_active_ones(
    session: Session, keys: Keys, now: datetime
) -> None:
    wanted, expected = _levels_and_people(session, keys, now)
    created = raise_alerts(session, wanted, now)
    assert len(created) == 5 and created == sorted(created)
    assert _queued(session) == expected
    assert raise_alerts(session, wanted, now) == []  # once, ever: nothing more is queued
    assert sum(len(users) for users in _queued(session).values()) == 8


def test_one_alert_at_a_time_reaches_the_same_people(
    session: Session, keys: Keys, now: datetime
) -> None:
    # A step or stage change raises one alert: PostgreSQL runs a statement of its own for that.
    wanted, expected = _levels_and_people(session, keys, now)
    created = [raise_alerts(session, [one], now) for one in wanted]
    assert [len(ids) for ids in created] == [1] * 5
    assert _queued(session) == expected
    assert all(raise_alerts(session, [one], now) == [] for one in wanted)
    assert sum(len(users) for users in _queued(session).values()) == 8
