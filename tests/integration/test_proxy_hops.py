"""CASEWORK_PROXY_HOPS: behind our own proxies the client address comes from X-Forwarded-For.

Requests come from the load balancer (REMOTE_ADDR 10.0.0.2). With one hop trusted, sign-in
throttling and the audit trail see the address the balancer appended; with none (the default)
the header is ignored, so a client cannot choose the address it is throttled and audited under.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.app import create_app
from casework.audit.models import AuditEntry
from casework.boundary import app_keys, session
from casework.db import Base
from casework.extensions import db
from casework.identity.models import LoginAttempt, Role
from casework.identity.signin import MAX_ADDRESS_FAILURES, current_totp, set_totp_secret, totp_box
from casework.web.auth import SESSION_COOKIE, csrf_token_for_session
from tests.conftest import make_settings
from tests.factories import make_entity, make_user
from tests.support.databases import sqlite_url

BALANCER = "10.0.0.2"
CLIENT = "203.0.113.7"
SPOOFED = "198.51.100.66"
PASSWORD = "pw-Secret-1"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
THROTTLED = "too many failed attempts"


@contextmanager
def app_behind_proxies(tmp_path: Path, hops: int) -> Iterator[Flask]:
    """An app with CASEWORK_PROXY_HOPS=hops on a fresh SQLite file, inside its app context."""
    settings = make_settings(tmp_path / "instance", sqlite_url(tmp_path), proxy_hops=hops)
    app = create_app(settings)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _client(app: Flask, forwarded_for: str) -> FlaskClient:
    """A browser behind the balancer; the balancer appended `forwarded_for`'s last entry."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client


def _password_step(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    page = client.get("/sign-in").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match is not None
    form = {"username": username, "password": password, "csrf_token": match.group(1)}
    response = client.post("/sign-in", data=form)
    return response.status_code, response.get_data(as_text=True)


def _sign_in(app: Flask, forwarded_for: str) -> None:
    """Sign a new user in with both factors through the forms."""
    moment = datetime.now(UTC)
    user = make_user(session(), make_entity(session(), moment), Role.INTAKE_OFFICER, moment)
    set_totp_secret(user, totp_box(app_keys(app)), SECRET)
    session().commit()
    client = _client(app, forwarded_for)
    assert _password_step(client, user.username, PASSWORD)[0] == 302
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    code = {
        "code": current_totp(SECRET, moment),
        "csrf_token": csrf_token_for_session(cookie.value),
    }
    assert client.post("/sign-in/code", data=code).status_code == 302


def _recorded_addresses() -> tuple[set[str], set[str]]:
    """The addresses of the sign-in attempts and of the audited sign-ins."""
    attempts = set(session().scalars(select(LoginAttempt.client_address)))
    audited = set(
        session().scalars(select(AuditEntry.source).where(AuditEntry.action == "auth.sign_in"))
    )
    session().rollback()
    return attempts, audited


def _fail_often_from(address: str) -> None:
    """Enough failed sign-ins from one address to throttle it (each for another account)."""
    moment = datetime.now(UTC)
    for number in range(MAX_ADDRESS_FAILURES):
        session().add(LoginAttempt(username=f"guess{number}", client_address=address, at=moment))
    session().commit()


def test_one_trusted_hop_records_the_address_the_balancer_forwarded(tmp_path: Path) -> None:
    with app_behind_proxies(tmp_path, hops=1) as app:
        assert isinstance(app.wsgi_app, ProxyFix)
        assert (app.wsgi_app.x_for, app.wsgi_app.x_proto) == (1, 1)
        # The client's own X-Forwarded-For entry comes first; only the balancer's is trusted.
        _sign_in(app, f"{SPOOFED}, {CLIENT}")
        assert _recorded_addresses() == ({CLIENT}, {CLIENT})


def test_one_trusted_hop_throttles_each_client_not_the_balancer(tmp_path: Path) -> None:
    with app_behind_proxies(tmp_path, hops=1) as app:
        _fail_often_from(CLIENT)
        _, page = _password_step(_client(app, CLIENT), "someone", "wrong")
        assert THROTTLED in page
        status, page = _password_step(_client(app, "203.0.113.8"), "someone", "wrong")
        assert status == 401 and THROTTLED not in page


def test_without_trusted_hops_a_forwarded_address_is_ignored(tmp_path: Path) -> None:
    with app_behind_proxies(tmp_path, hops=0) as app:
        assert not isinstance(app.wsgi_app, ProxyFix)
        _sign_in(app, CLIENT)
        assert _recorded_addresses() == ({BALANCER}, {BALANCER})


def test_without_trusted_hops_a_throttled_client_cannot_escape_by_spoofing(
    tmp_path: Path,
) -> None:
    with app_behind_proxies(tmp_path, hops=0) as app:
        _fail_often_from(BALANCER)
        _, page = _password_step(_client(app, SPOOFED), "someone", "wrong")
        assert THROTTLED in page
