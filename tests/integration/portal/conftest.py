"""Portal test helpers: cheap Argon2, a browser-like client that carries the portal CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from casework.cases.models import Case, Party, PartyRole
from casework.identity.passwords import set_cost
from casework.keys.services import Keys
from casework.receipts.credentials import Credentials, issue_portal_access

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing() -> Iterator[None]:
    set_cost(time_cost=1, memory_cost=1024)
    yield
    set_cost()


@dataclass
class Portal:
    """A test client that reads the CSRF token from the last page and sends it back."""

    client: FlaskClient
    token: str = ""

    def get(self, path: str) -> TestResponse:
        """GET a portal page and remember its CSRF token."""
        response = self.client.get(path)
        text = response.get_data(as_text=True)
        response.close()
        found = _CSRF.search(text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, str | list[str]], csrf: bool = True) -> TestResponse:
        """POST a form with the current CSRF token."""
        form: dict[str, str | list[str]] = dict(data)
        if csrf:
            form["csrf_token"] = self.token
        response = self.client.post(path, data=form)
        found = _CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def sign_in(self, credentials: Credentials) -> TestResponse:
        """Sign in with a receipt code and passphrase; then load the case page."""
        self.get("/portal/")
        response = self.post(
            "/portal/signin", {"code": credentials.code, "passphrase": credentials.passphrase}
        )
        if response.status_code == 303:
            self.get("/portal/case")
        return response


@pytest.fixture
def portal(app: Flask) -> Portal:
    """A fresh portal visitor."""
    return Portal(app.test_client())


def affected_party(case: Case) -> Party:
    """The affected person of a case."""
    return next(p for p in case.parties if p.role is PartyRole.AFFECTED)


def give_access(session: Session, keys: Keys, case: Case, now: datetime) -> Credentials:
    """Issue portal credentials to a case's affected person, committed."""
    credentials = issue_portal_access(session, keys, case.id, affected_party(case).id, None, now)
    session.commit()
    return credentials
