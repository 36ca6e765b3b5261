"""The per-request session check: one plain read, the actor's grants, timeouts end the row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from casework.identity.actor import Grant
from casework.identity.models import Role, RoleGrant, StaffSession, StaffUser
from casework.identity.signin import (
    SessionPolicy,
    find_live_session,
    start_session,
    touch_session,
)
from tests.factories import make_entity, make_user

POLICY = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _stored(session: Session, user_id: int) -> StaffSession:
    """The user's one session row as the database holds it now."""
    row = session.query(StaffSession).filter_by(user_id=user_id).one()
    session.refresh(row)
    return row


def _investigator_signed_in(session: Session, now: datetime) -> tuple[StaffUser, str]:
    """An investigator with a fully signed-in session started at `now`, and its cookie token."""
    user = make_user(session, make_entity(session, now), Role.INVESTIGATOR, now)
    return user, start_session(session, user, "127.0.0.1", now, second_factor_given=True)


def test_the_actor_carries_every_grant_and_none_of_another_users(
    session: Session, now: datetime
) -> None:
    first, second = make_entity(session, now), make_entity(session, now)
    user = make_user(session, first, Role.INVESTIGATOR, now)
    session.add(RoleGrant(user_id=user.id, entity_id=second.id, role=Role.SUPERVISOR))
    make_user(session, first, Role.HEAD_OF_ENTITY, now)  # someone else's grant
    token = start_session(session, user, "127.0.0.1", now, second_factor_given=True)
    live = find_live_session(session, token, POLICY, now + timedelta(seconds=5))
    assert live is not None
    assert live.actor.id == user.id and live.actor.is_active
    assert sorted(live.actor.grants, key=lambda g: g.role.value) == [
        Grant(first.id, Role.INVESTIGATOR),
        Grant(second.id, Role.SUPERVISOR),
    ]


def test_a_user_without_grants_is_signed_in_with_none(session: Session, now: datetime) -> None:
    user = make_user(session, None, Role.ADMINISTRATOR, now)
    session.query(RoleGrant).filter_by(user_id=user.id).delete()
    token = start_session(session, user, "127.0.0.1", now, second_factor_given=True)
    live = find_live_session(session, token, POLICY, now)
    assert live is not None and live.actor.grants == ()


def test_an_idle_session_is_ended_with_its_reason(session: Session, now: datetime) -> None:
    user, token = _investigator_signed_in(session, now)
    later = now + POLICY.idle + timedelta(seconds=1)
    assert find_live_session(session, token, POLICY, later) is None
    row = _stored(session, user.id)
    assert (row.ended_at, row.end_reason) == (later, "idle_timeout")
    assert find_live_session(session, token, POLICY, now) is None  # ended stays ended


def test_activity_is_written_at_most_once_a_minute(session: Session, now: datetime) -> None:
    user, token = _investigator_signed_in(session, now)
    soon = now + timedelta(seconds=59)
    live = find_live_session(session, token, POLICY, soon)
    assert live is not None and not touch_session(session, live, soon)
    later = now + timedelta(minutes=2)
    assert touch_session(session, live, later)
    row = _stored(session, user.id)
    assert row.last_seen_at == later


def test_a_session_older_than_the_absolute_lifetime_is_ended(
    session: Session, now: datetime
) -> None:
    user, token = _investigator_signed_in(session, now)
    session.query(StaffSession).filter_by(user_id=user.id).update(
        {"last_seen_at": now + POLICY.absolute}
    )
    later = now + POLICY.absolute + timedelta(minutes=1)
    assert find_live_session(session, token, POLICY, later) is None
    row = _stored(session, user.id)
    assert row.end_reason == "absolute_timeout"


def test_a_disabled_user_or_a_changed_password_ends_the_session(
    session: Session, now: datetime
) -> None:
    entity = make_entity(session, now)
    disabled = make_user(session, entity, Role.INVESTIGATOR, now)
    changed = make_user(session, entity, Role.INVESTIGATOR, now)
    tokens = {
        user.id: start_session(session, user, "127.0.0.1", now, second_factor_given=True)
        for user in (disabled, changed)
    }
    disabled.is_active = False
    changed.password_changed_at = now + timedelta(seconds=1)
    session.flush()
    later = now + timedelta(seconds=2)
    for user, reason in ((disabled, "user_disabled"), (changed, "password_changed")):
        assert find_live_session(session, tokens[user.id], POLICY, later) is None
        row = _stored(session, user.id)
        assert row.end_reason == reason


def test_a_session_awaiting_its_second_factor_carries_none_given(
    session: Session, now: datetime
) -> None:
    user = make_user(session, make_entity(session, now), Role.INVESTIGATOR, now)
    token = start_session(session, user, "127.0.0.1", now)
    live = find_live_session(session, token, POLICY, now)
    assert live is not None and live.second_factor_at is None
