"""The staff page that re-issues portal access after an offline identity check (both backends)."""

from __future__ import annotations

import logging
import re
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.identity.access import AccessChange, assign
from casework.identity.models import AssignmentRole, Role
from casework.keys.services import Keys
from casework.receipts.credentials import Credentials
from casework.receipts.models import PortalAccess, PortalSession
from tests.factories import make_user
from tests.integration.portal.conftest import Portal, affected_party, give_access
from tests.support.access_matrix import (
    AccessWorld,
    assert_case_route_guarded,
    build_world,
    denied_count,
    send,
    signed_in_client,
)


def _url(world: AccessWorld) -> str:
    return f"/cases/{world.case.id}/portal-access"


def _valid(world: AccessWorld) -> dict[str, str]:
    return {
        "party_id": str(affected_party(world.case).id),
        "identity_check": "in_person",
        "identity_confirmed": "yes",
    }


def _shown(page: str) -> Credentials:
    code = re.search(r'id="receipt-code" dir="ltr">([^<]+)<', page)
    passphrase = re.search(r'id="passphrase" dir="ltr">([^<]+)<', page)
    assert code and passphrase, "no credentials on the page"
    return Credentials(code.group(1), passphrase.group(1))


def _access_rows(session: Session, case_id: int) -> int:
    session.rollback()
    count = select(func.count()).select_from(PortalAccess).where(PortalAccess.case_id == case_id)
    return session.scalar(count) or 0


def test_portal_access_routes_refuse_every_caller_without_need_to_know(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    give_access(session, keys, world.case, now)
    assert_case_route_guarded(app, session, world, "GET", _url(world))
    assert_case_route_guarded(app, session, world, "POST", _url(world), _valid(world))
    assert _access_rows(session, world.case.id) == 1  # nothing was re-issued


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.SUPERVISOR, True),
        (Role.INTAKE_OFFICER, True),  # the case is still in intake
        (Role.HEAD_OF_ENTITY, False),  # sees the case, is not the case team
        (Role.DECISION_MAKER, False),  # assigned for the decision, deals with the subject
    ],
)
def test_only_the_case_team_may_reissue_others_get_404_and_no_link(
    app: Flask, session: Session, keys: Keys, now: datetime, role: Role, allowed: bool
) -> None:
    world = build_world(session, keys, now)
    user = make_user(session, world.entity, role, now)
    if role is Role.DECISION_MAKER:
        change = AccessChange(world.supervisor, "test", now)
        assign(session, change, world.case, user, AssignmentRole.DECISION_MAKER)
    session.commit()
    client, csrf = signed_in_client(app, session, user)
    status, case_page, _ = send(client, "GET", f"/cases/{world.case.id}", csrf)
    assert status == 200  # every one of them may read the case
    assert ('id="portal-access-link"' in case_page) is allowed
    before = denied_count(session, user.id, world.case.id)
    status, body, _ = send(client, "GET", _url(world), csrf)
    assert status == (200 if allowed else 404)
    assert denied_count(session, user.id, world.case.id) == before + (0 if allowed else 1)
    if allowed:
        assert "How did you check their identity?" in body
        assert f"Affected (party {affected_party(world.case).id})" in body
    else:
        assert "Affected Person" not in body


def test_reissue_needs_the_confirmation_and_a_method_and_writes_nothing_without(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    world = build_world(session, keys, now)
    old = give_access(session, keys, world.case, now)
    assert portal.sign_in(old).status_code == 303
    client, csrf = signed_in_client(app, session, world.assigned)
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    for missing in ("identity_confirmed", "identity_check", "party_id"):
        form = {k: v for k, v in _valid(world).items() if k != missing}
        status, body, _ = send(client, "POST", _url(world), csrf, form)
        assert status == 400, missing
        assert f'id="{missing}-error"' in body and 'id="receipt-code"' not in body
    bad = {**_valid(world), "party_id": str(world.case.parties[1].id)}  # the subject
    assert send(client, "POST", _url(world), csrf, bad)[0] == 400
    bad = {**_valid(world), "identity_check": "asked them nicely"}
    assert send(client, "POST", _url(world), csrf, bad)[0] == 400
    assert _access_rows(session, world.case.id) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert portal.get("/portal/case").status_code == 200  # still signed in


def test_reissue_shows_new_credentials_once_ends_sessions_and_audits_without_secrets(
    app: Flask,
    session: Session,
    keys: Keys,
    now: datetime,
    portal: Portal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = build_world(session, keys, now)
    old = give_access(session, keys, world.case, now)
    assert portal.sign_in(old).status_code == 303
    client, csrf = signed_in_client(app, session, world.supervisor)

    status, form_page, _ = send(client, "GET", _url(world), csrf)
    party = affected_party(world.case)
    assert status == 200 and f'value="{party.id}" checked' in form_page
    assert "holds a receipt code" in form_page
    response = client.post(_url(world), data={**_valid(world), "csrf_token": csrf})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    new = _shown(page)
    assert new.code != old.code and len(new.passphrase.split()) == 6

    # The old visit ended, the old code fails, the new one works.
    assert portal.get("/portal/case").status_code == 302
    session.rollback()
    live = session.scalars(select(PortalSession).where(PortalSession.ended_at.is_(None))).all()
    assert live == []
    assert portal.sign_in(old).status_code == 401
    assert Portal(app.test_client()).sign_in(new).status_code == 303

    # Reloading the page shows the form again, never the credentials.
    again = send(client, "GET", _url(world), csrf)[1]
    assert new.code not in again and new.passphrase not in again

    session.rollback()
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.like("portal.reissue%"))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert (entry.actor_id, entry.case_id, entry.action, entry.outcome) == (
        world.supervisor.id,
        world.case.id,
        "portal.reissue.in_person",
        "allowed",
    )
    fields = " ".join(
        str(v)
        for row in session.scalars(select(AuditEntry))
        for v in (row.action, row.source, row.outcome)
    )
    for secret in (new.code, new.code.replace("-", ""), new.passphrase, old.code, old.passphrase):
        assert secret not in fields
        assert secret not in caplog.text
