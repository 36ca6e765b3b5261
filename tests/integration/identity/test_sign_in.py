"""Sign-in over HTTP: two factors, throttling, session rotation, revocation, timeouts, CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.identity.models import CaseExclusion, LoginAttempt, Role, StaffSession, StaffUser
from casework.identity.signin import (
    current_totp,
    is_throttled,
    new_recovery_codes,
    set_totp_secret,
    totp_box,
)
from casework.keys.services import Keys
from casework.web.auth import SESSION_COOKIE, csrf_token_for_session
from tests.factories import make_user
from tests.support.access_matrix import AccessWorld, build_world, send, signed_in_client

PASSWORD = "pw-Secret-1"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _enrol(session: Session, keys: Keys, user: StaffUser) -> None:
    set_totp_secret(user, totp_box(keys), SECRET)
    session.commit()


def _page_csrf(client: FlaskClient, url: str) -> str:
    match = re.search(
        r'name="csrf_token" value="([0-9a-f]+)"', client.get(url).get_data(as_text=True)
    )
    assert match is not None
    return match.group(1)


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return cookie.value


def _password_step(client: FlaskClient, username: str, password: str) -> int:
    csrf = _page_csrf(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": csrf}
    )
    return response.status_code


def _code_step(client: FlaskClient, code: str) -> int:
    csrf = csrf_token_for_session(_cookie(client))
    return client.post("/sign-in/code", data={"code": code, "csrf_token": csrf}).status_code


def _reaches_case(app: Flask, token: str, world: AccessWorld) -> bool:
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, token)
    return client.get(f"/access/cases/{world.case.id}").status_code == 200


def test_a_staff_account_reaches_a_case_only_after_its_second_factor_and_gets_a_new_session_id(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    _enrol(session, keys, world.assigned)
    client = app.test_client()
    assert _password_step(client, world.assigned.username, PASSWORD) == 302
    pending = _cookie(client)
    assert not _reaches_case(app, pending, world)
    response = client.get(f"/access/cases/{world.case.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _code_step(client, current_totp(SECRET, datetime.now(UTC))) == 302
    signed_in = _cookie(client)
    assert signed_in != pending
    assert _reaches_case(app, signed_in, world)
    assert not _reaches_case(app, pending, world)


def test_wrong_code_and_replayed_code_are_refused(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    _enrol(session, keys, world.assigned)
    client = app.test_client()
    _password_step(client, world.assigned.username, PASSWORD)
    assert (
        _code_step(
            client, "000000" if current_totp(SECRET, datetime.now(UTC)) != "000000" else "111111"
        )
        == 401
    )
    code = current_totp(SECRET, datetime.now(UTC))
    assert _code_step(client, code) == 302
    again = app.test_client()
    _password_step(again, world.assigned.username, PASSWORD)
    assert _code_step(again, code) == 401


def test_a_recovery_code_works_once(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    _enrol(session, keys, world.assigned)
    codes = new_recovery_codes(session, world.assigned, now)
    session.commit()
    first = app.test_client()
    _password_step(first, world.assigned.username, PASSWORD)
    assert _code_step(first, codes[0].lower()) == 302
    second = app.test_client()
    _password_step(second, world.assigned.username, PASSWORD)
    assert _code_step(second, codes[0]) == 401


def test_failed_sign_ins_are_throttled_per_account(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    user = make_user(session, None, Role.ADMINISTRATOR, now)
    session.commit()
    client = app.test_client()
    for _ in range(5):
        assert _password_step(client, user.username, "wrong-password") == 401
    assert _password_step(client, user.username, PASSWORD) == 401
    page = client.post(
        "/sign-in",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": _page_csrf(client, "/sign-in"),
        },
    )
    assert "too many failed attempts" in page.get_data(as_text=True)


def test_failed_sign_ins_are_throttled_per_client_address(session: Session, now: datetime) -> None:
    for number in range(20):
        session.add(LoginAttempt(username=f"guess{number}", client_address="203.0.113.9", at=now))
    session.flush()
    assert is_throttled(session, "someone-else", "203.0.113.9", now)
    assert not is_throttled(session, "someone-else", "203.0.113.10", now)
    assert not is_throttled(session, "someone-else", "203.0.113.9", now + timedelta(minutes=16))


def test_a_session_cookie_dies_with_sign_out(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    client, csrf = signed_in_client(app, session, world.assigned)
    captured = _cookie(client)
    assert _reaches_case(app, captured, world)
    assert client.post("/sign-out", data={"csrf_token": csrf}).status_code == 302
    assert not _reaches_case(app, captured, world)


def test_every_session_cookie_dies_with_a_password_change(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    other_browser, _ = signed_in_client(app, session, world.assigned)
    captured = _cookie(other_browser)
    client, csrf = signed_in_client(app, session, world.assigned)
    before = _cookie(client)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-much-longer-passphrase",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 302
    assert not _reaches_case(app, captured, world)
    assert not _reaches_case(app, before, world)
    assert _reaches_case(app, _cookie(client), world)


def test_session_cookies_die_when_the_user_is_disabled_or_an_admin_ends_them(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    admin = make_user(session, None, Role.ADMINISTRATOR, now)
    session.commit()
    admin_client, admin_csrf = signed_in_client(app, session, admin)
    victim, _ = signed_in_client(app, session, world.supervisor)
    captured = _cookie(victim)
    session.rollback()
    row_id = session.scalars(
        select(StaffSession.id).where(StaffSession.user_id == world.supervisor.id)
    ).one()
    assert (
        admin_client.post(
            f"/admin/sessions/{row_id}/end", data={"csrf_token": admin_csrf}
        ).status_code
        == 302
    )
    assert not _reaches_case(app, captured, world)

    victim, _ = signed_in_client(app, session, world.assigned)
    captured = _cookie(victim)
    assert _reaches_case(app, captured, world)
    response = admin_client.post(
        f"/admin/users/{world.assigned.id}/disable", data={"csrf_token": admin_csrf}
    )
    assert response.status_code == 302
    assert not _reaches_case(app, captured, world)


def test_an_idle_session_expires(app: Flask, session: Session, keys: Keys, now: datetime) -> None:
    world = build_world(session, keys, now)
    client, _ = signed_in_client(app, session, world.assigned)
    session.execute(
        update(StaffSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
    )
    session.commit()
    assert not _reaches_case(app, _cookie(client), world)


def test_unsafe_requests_without_the_csrf_token_change_nothing(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    client, _ = signed_in_client(app, session, world.assigned)
    status, _, _ = send(
        client,
        "POST",
        f"/access/cases/{world.case.id}/exclude",
        None,
        {"reason": "I know the affected person well."},
    )
    assert status == 400
    status, _, _ = send(
        client,
        "POST",
        f"/access/cases/{world.case.id}/exclude",
        "0" * 64,
        {"reason": "I know the affected person well."},
    )
    assert status == 400
    session.rollback()
    assert (
        session.scalars(
            select(CaseExclusion).where(CaseExclusion.user_id == world.assigned.id)
        ).first()
        is None
    )
    assert client.get("/sign-out").status_code == 405


def test_cookies_are_http_only_and_same_site(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    world = build_world(session, keys, now)
    _enrol(session, keys, world.assigned)
    client = app.test_client()
    csrf = _page_csrf(client, "/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": world.assigned.username, "password": PASSWORD, "csrf_token": csrf},
    )
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
