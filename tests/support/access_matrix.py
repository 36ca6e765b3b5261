"""The access matrix every route that touches a case must pass.

Usage (in a test with the `app`, `session`, `keys`, `now` fixtures)::

    world = build_world(session, keys, now)
    assert_case_route_guarded(app, session, world, "GET", f"/cases/{world.case.id}")

Callers who are not signed in get a redirect to sign-in (pages) or 401 (/api); a user of another
entity, an unassigned investigator, an excluded user and an oversight user whose request also
bears a token all get 404 with nothing of the case in the body, and each attempt is audited as
denied for that user and case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.cases.models import Case
from casework.identity.access import AccessChange, assign, exclude
from casework.identity.models import AssignmentRole, Entity, Role, StaffUser
from casework.identity.signin import start_session
from casework.keys.services import Keys
from casework.web.auth import SESSION_COOKIE, csrf_token_for_session
from tests.factories import make_case, make_entity, make_user

# Plaintext that make_case puts in the case: none of it may appear in a refused response.
CASE_SECRETS = ("Affected Person", "affected@example.org", "Subject Person", "Unwelcome comments")


@dataclass
class AccessWorld:
    """Two entities, a case, and one user for each kind of caller."""

    entity: Entity
    other_entity: Entity
    case: Case
    supervisor: StaffUser
    assigned: StaffUser
    unassigned: StaffUser
    excluded: StaffUser
    outsider: StaffUser
    oversight: StaffUser


def build_world(session: Session, keys: Keys, now: datetime) -> AccessWorld:
    """Create the callers of the matrix and a case; commits so requests see it."""
    entity = make_entity(session, now)
    other = make_entity(session, now)
    case = make_case(session, keys, entity, now)
    supervisor = make_user(session, entity, Role.SUPERVISOR, now)
    assigned = make_user(session, entity, Role.INVESTIGATOR, now)
    unassigned = make_user(session, entity, Role.INVESTIGATOR, now)
    excluded = make_user(session, entity, Role.INVESTIGATOR, now)
    outsider = make_user(session, other, Role.SUPERVISOR, now)
    oversight = make_user(session, None, Role.OVERSIGHT, now)
    change = AccessChange(supervisor, "test", now)
    assign(session, change, case, assigned, AssignmentRole.LEAD)
    assign(session, change, case, excluded, AssignmentRole.MEMBER)
    exclude(session, change, case, excluded, "Worked with the subject for years.")
    session.commit()
    return AccessWorld(
        entity, other, case, supervisor, assigned, unassigned, excluded, outsider, oversight
    )


def signed_in_client(app: Flask, session: Session, user: StaffUser) -> tuple[FlaskClient, str]:
    """Return a client with a fully signed-in session of a user, and its CSRF token."""
    token = start_session(session, user, "127.0.0.1", datetime.now(UTC), second_factor_given=True)
    session.commit()
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, token)
    return client, csrf_token_for_session(token)


def send(
    client: FlaskClient,
    method: str,
    url: str,
    csrf: str | None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, str, str]:
    """Send a request with the CSRF token (unsafe methods); return status, body, Location."""
    form = dict(data or {})
    if csrf is not None and method != "GET":
        form["csrf_token"] = csrf
    response = client.open(url, method=method, data=form or None, headers=dict(headers or {}))
    return (
        response.status_code,
        response.get_data(as_text=True),
        response.headers.get("Location", ""),
    )


def anonymous_csrf(client: FlaskClient) -> str:
    """Return the CSRF token the sign-in page gives a visitor who is not signed in."""
    page = client.get("/sign-in").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match is not None, "sign-in page has no CSRF token"
    return match.group(1)


def denied_count(session: Session, user_id: int, case_id: int) -> int:
    """Count denied audit entries of a user on a case (after the requests committed)."""
    session.rollback()
    return (
        session.scalar(
            select(func.count()).where(
                AuditEntry.actor_id == user_id,
                AuditEntry.case_id == case_id,
                AuditEntry.outcome == "denied",
            )
        )
        or 0
    )


def assert_case_route_guarded(
    app: Flask,
    session: Session,
    world: AccessWorld,
    method: str,
    url: str,
    data: Mapping[str, str] | None = None,
    secrets: tuple[str, ...] = CASE_SECRETS,
    token_headers: Mapping[str, str] | None = None,
) -> None:
    """Assert the whole matrix for one route (see the module docstring)."""
    anonymous = app.test_client()
    status, _body, location = send(anonymous, method, url, anonymous_csrf(anonymous), data)
    if url.startswith("/api/"):
        assert status == 401, f"{method} {url} anonymous: {status}"
    else:
        assert status in (302, 303), f"{method} {url} anonymous: {status}"
        assert "/sign-in" in location
    bearer = dict(token_headers or {"Authorization": "Bearer oversight-token-not-a-session"})
    callers = (
        ("other entity", world.outsider, None),
        ("unassigned investigator", world.unassigned, None),
        ("excluded user", world.excluded, None),
        ("oversight with token", world.oversight, bearer),
    )
    case_id = world.case.id
    for label, user, headers in callers:
        before = denied_count(session, user.id, case_id)
        client, csrf = signed_in_client(app, session, user)
        status, body, _ = send(client, method, url, csrf, data, headers)
        assert status == 404, f"{method} {url} as {label}: {status}"
        for secret in secrets:
            assert secret not in body, f"{method} {url} as {label} leaks {secret!r}"
        after = denied_count(session, user.id, case_id)
        assert after == before + 1, f"{method} {url} as {label}: denial not audited"
