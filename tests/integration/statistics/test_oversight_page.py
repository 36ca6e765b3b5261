"""The oversight charts page: token posted in a form, accessible SVG, no inline style."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from casework.statistics.release import build_all_releases
from tests.factories import make_oversight_token
from tests.integration.statistics.synthetic import NOW, populate


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client of the app."""
    with app.test_client() as test_client:
        yield test_client


def _csrf(client: FlaskClient) -> str:
    page = client.get("/oversight/")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match
    return match.group(1)


def test_a_valid_token_shows_accessible_charts_with_their_data(
    session: Session, client: FlaskClient
) -> None:
    populate(session)
    build_all_releases(session, NOW)
    secret = make_oversight_token(session, NOW, ("system",))
    session.commit()
    response = client.post("/oversight/", data={"token": secret, "csrf_token": _csrf(client)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 3
    assert html.count("<title id=") == 3 and html.count("<desc id=") == 3
    assert "aria-labelledby" in html and "<table>" in html
    assert "Time in stage" in html and "Compliance with the guidance" in html
    assert "style=" not in html and "<script" not in html
    assert secret not in html


def test_a_bad_token_is_refused(session: Session, client: FlaskClient) -> None:
    response = client.post("/oversight/", data={"token": "nope", "csrf_token": _csrf(client)})
    assert response.status_code == 401
    assert "unknown, expired or revoked" in response.get_data(as_text=True)
