"""Need-to-know rules of casework.identity.access, straight on the services."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.cases.events import CaseEvent, _listeners, listen
from casework.cases.models import Case, PartyRole, Stage
from casework.cases.services import NewParty, add_party
from casework.errors import NotFound
from casework.identity.access import (
    AccessChange,
    AccessRefused,
    assign,
    break_glass,
    can,
    case_for_user,
    visible_cases,
)
from casework.identity.models import AssignmentRole, Role, StaffUser
from casework.keys.services import Keys, open_case_cipher
from tests.factories import make_case, make_entity, make_user
from tests.support.access_matrix import build_world
from tests.support.databases import recorded_statements


def _visible(session: Session, user: StaffUser, now: datetime) -> set[int]:
    return set(session.scalars(visible_cases(session, user, now).with_only_columns(Case.id)))


def test_each_role_sees_only_what_it_needs(session: Session, keys: Keys, now: datetime) -> None:
    world = build_world(session, keys, now)
    later = make_case(session, keys, world.entity, now)
    later.stage = Stage.INVESTIGATION
    intake = make_user(session, world.entity, Role.INTAKE_OFFICER, now)
    decision = make_user(session, world.entity, Role.DECISION_MAKER, now)
    head = make_user(session, world.entity, Role.HEAD_OF_ENTITY, now)
    admin = make_user(session, None, Role.ADMINISTRATOR, now)
    assign(
        session,
        AccessChange(world.supervisor, "test", now),
        later,
        decision,
        AssignmentRole.DECISION_MAKER,
    )
    case = world.case.id
    assert _visible(session, world.supervisor, now) == {case, later.id}
    assert _visible(session, head, now) == {case, later.id}
    assert _visible(session, intake, now) == {case}
    assert _visible(session, decision, now) == {later.id}
    assert _visible(session, world.assigned, now) == {case}
    for nobody in (world.unassigned, world.excluded, world.outsider, world.oversight, admin):
        assert _visible(session, nobody, now) == set()


def test_a_staff_member_named_in_a_case_never_sees_it_even_as_supervisor(
    session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    add_party(
        session,
        keys,
        world.case,
        NewParty(PartyRole.WITNESS, "W", staff_user_id=world.supervisor.id),
    )
    with pytest.raises(NotFound):
        case_for_user(session, world.supervisor, world.case.id, "case.view", "192.0.2.1", now)
    with pytest.raises(AccessRefused):
        assign(
            session,
            AccessChange(world.supervisor, "t", now),
            world.case,
            world.excluded,
            AssignmentRole.LEAD,
        )


def test_reads_are_audited_allowed_and_denied_without_content(
    session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    case_for_user(session, world.assigned, world.case.id, "case.view", "192.0.2.1", now)
    with pytest.raises(NotFound):
        case_for_user(session, world.unassigned, world.case.id, "case.view", "192.0.2.2", now)
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq)
    ).all()
    assert [(r.actor_id, r.case_id, r.outcome, r.source) for r in rows] == [
        (world.assigned.id, world.case.id, "allowed", "192.0.2.1"),
        (world.unassigned.id, world.case.id, "denied", "192.0.2.2"),
    ]


def test_break_glass_opens_the_case_for_a_while_and_announces_it(
    session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    heard: list[CaseEvent] = []

    def _hear(_session: Session, event: CaseEvent) -> None:
        heard.append(event)

    listen(_hear)
    try:
        grant = break_glass(
            session,
            AccessChange(world.supervisor, "192.0.2.1", now),
            world.case.id,
            "Urgent: safety risk reported tonight.",
        )
    finally:
        _listeners.remove(_hear)
    assert [e.name for e in heard] == ["break_glass"]
    assert heard[0].details["grant_id"] == grant.id
    with pytest.raises(NotFound):
        break_glass(
            session,
            AccessChange(world.outsider, "x", now),
            world.case.id,
            "I would like to look at this.",
        )
    with pytest.raises(NotFound):
        break_glass(
            session,
            AccessChange(world.unassigned, "x", now),
            world.case.id,
            "I would like to look at this.",
        )


def test_supervisor_only_actions(session: Session, now: datetime) -> None:
    entity = make_entity(session, now)
    other = make_entity(session, now)
    supervisor = make_user(session, entity, Role.SUPERVISOR, now)
    investigator = make_user(session, entity, Role.INVESTIGATOR, now)
    for permission in ("case.assign", "extension.approve", "clock_stop.approve"):
        assert can(supervisor, permission, entity)
        assert not can(investigator, permission, entity)
        assert not can(supervisor, permission, other)
    assert can(investigator, "case.advance", entity.id)
    assert not can(investigator, "no.such.permission", entity)


def test_a_case_read_brings_its_key_so_opening_the_cipher_costs_no_query(
    session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    session.commit()
    case_id, reader = world.case.id, world.assigned
    session.expunge_all()
    session.add(reader)
    with recorded_statements(session) as statements:
        case = case_for_user(session, reader, case_id, "case.view", "192.0.2.1", now)
        read = len(statements)
        cipher = open_case_cipher(session, keys, case.id)
    assert read >= 1
    assert len(statements) == read  # the wrapped key came with the case
    assert cipher.case_id == case_id
    assert case.reference_ct is not None
    assert cipher.decrypt("cases", "reference", case.reference_ct)
