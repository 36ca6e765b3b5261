"""Every case route of the access pages passes the access matrix; allowed users get through."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.identity.models import BreakGlassGrant
from casework.keys.services import Keys
from tests.support.access_matrix import (
    assert_case_route_guarded,
    build_world,
    send,
    signed_in_client,
)


def test_case_access_routes_refuse_every_caller_without_need_to_know(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    case_id = world.case.id
    routes = (
        ("GET", f"/access/cases/{case_id}", None),
        (
            "POST",
            f"/access/cases/{case_id}/assign",
            {"user_id": str(world.unassigned.id), "role": "member"},
        ),
        ("POST", f"/access/cases/{case_id}/exclude", {"reason": "I know the affected person."}),
        (
            "POST",
            "/access/break-glass",
            {"case_id": str(case_id), "reason": "Urgent safety matter."},
        ),
    )
    for method, url, data in routes:
        assert_case_route_guarded(app, session, world, method, url, data)


def test_assigned_investigator_and_supervisor_see_the_access_page_and_it_is_audited(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    for user in (world.assigned, world.supervisor):
        client, csrf = signed_in_client(app, session, user)
        status, body, _ = send(client, "GET", f"/access/cases/{world.case.id}", csrf)
        assert status == 200
        assert f"Access to case {world.case.id}" in body
        session.rollback()
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None
        assert (entry.case_id, entry.action, entry.outcome) == (
            world.case.id,
            "access.view",
            "allowed",
        )


def test_supervisor_cannot_assign_an_excluded_user_and_the_attempt_is_audited(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    client, csrf = signed_in_client(app, session, world.supervisor)
    status, _body, _ = send(
        client,
        "POST",
        f"/access/cases/{world.case.id}/assign",
        csrf,
        {"user_id": str(world.excluded.id), "role": "lead"},
    )
    assert status == 400
    session.rollback()
    refused = session.scalars(
        select(AuditEntry).where(
            AuditEntry.actor_id == world.supervisor.id, AuditEntry.outcome == "denied"
        )
    ).all()
    assert [e.action for e in refused] == ["assignment.lead"]


def test_supervisor_break_glass_is_recorded_with_expiry(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    client, csrf = signed_in_client(app, session, world.supervisor)
    status, _body, _ = send(
        client,
        "POST",
        "/access/break-glass",
        csrf,
        {"case_id": str(world.case.id), "reason": "Investigator away; safety report pending."},
    )
    assert status == 302
    session.rollback()
    grant = session.scalars(select(BreakGlassGrant)).one()
    assert grant.user_id == world.supervisor.id
    assert grant.expires_at > grant.granted_at
