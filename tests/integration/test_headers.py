"""Security headers on every response: CSP without inline script, HSTS, frame denial, no-store."""

from __future__ import annotations

import flask
import pytest
from flask import Flask


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz", "/no-such-page"])
def test_security_headers_on_every_response(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert (
        int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-ID"]) == 32


def test_unknown_page_is_a_clear_404_not_a_500(app: Flask) -> None:
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_api_errors_are_json(app: Flask) -> None:
    response = app.test_client().get("/api/v1/no-such-endpoint")
    assert response.status_code in (401, 404)
    assert response.is_json and "error" in response.get_json()


def test_no_flask_cookie_session(app: Flask) -> None:
    # Sessions are rows: Flask's signed cookie session is off, and writing to it fails loudly.
    sent = app.test_client().get("/", headers={"Cookie": "session=eyJ4IjoxfQ.forged.sig"})
    assert not any("session=" in value for value in sent.headers.getlist("Set-Cookie"))
    with app.test_request_context("/"):
        app.preprocess_request()
        assert flask.session.get("x") is None
        with pytest.raises(RuntimeError, match="session is unavailable"):
            flask.session["x"] = 1
