"""Bearer-token authentication of API requests (the CSRF hook exempts /api/: no cookies)."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from casework.boundary import now, session
from casework.oversight.models import OversightToken
from casework.oversight.services import authenticate_token

REALM = 'Bearer realm="casework-statistics"'


def unauthorised(detail: str, *, presented: bool) -> Response:
    """A 401 JSON answer with the challenge header (RFC 6750)."""
    response = jsonify({"error": "Unauthorized", "detail": detail})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = f'{REALM}, error="invalid_token"' if presented else REALM
    return response


def require_token() -> Response | None:
    """Before-request hook: admit a valid bearer token or answer 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return unauthorised("send Authorization: Bearer <token>", presented=False)
    token = authenticate_token(session(), secret.strip(), now())
    if token is None:
        return unauthorised("the token is unknown, expired or revoked", presented=True)
    g.oversight_token = token
    return None


def current_scopes() -> tuple[str, ...]:
    """Scopes of the token admitted for this request."""
    token: OversightToken = g.oversight_token
    return token.scope_list
