"""Maps domain errors to HTTP in one place and sets the security headers on every response."""

from __future__ import annotations

import uuid

from flask import Flask, Response, jsonify, make_response, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from casework.errors import AccessDenied, NotFound, TransitionRefused, ValidationFailed
from casework.logs import request_id_var

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error_response(status: int, title: str, detail: str) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify({"error": title, "detail": detail}), status
    return render_template("error.html", status=status, title=title, detail=detail), status


def register_http_handling(app: Flask) -> None:
    """Install error handlers and security headers on an app."""

    @app.errorhandler(NotFound)
    @app.errorhandler(AccessDenied)
    def _not_found(_error: Exception) -> tuple[Response | str, int]:
        return _error_response(404, "Not found", "There is nothing here, or you may not see it.")

    @app.errorhandler(ValidationFailed)
    def _invalid(error: ValidationFailed) -> tuple[Response | str, int]:
        return _error_response(400, "Invalid input", str(error))

    @app.errorhandler(TransitionRefused)
    def _refused(error: TransitionRefused) -> tuple[Response | str, int]:
        return _error_response(409, "Refused", str(error))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response | str, int]:
        return _error_response(error.code or 500, error.name, error.description or "")

    @app.errorhandler(OperationalError)
    def _database_unavailable(_error: OperationalError) -> Response:
        # The database went away (or refused the statement); nothing was committed.
        response = make_response(
            _error_response(
                503, "Service unavailable", "The database could not be reached; try again shortly."
            )
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.before_request
    def _assign_request_id() -> None:
        request_id_var.set(uuid.uuid4().hex)

    @app.before_request
    def _refuse_nul_characters() -> tuple[Response | str, int] | None:
        # No field of ours may hold a NUL; PostgreSQL cannot store one in text anyway.
        values = [*request.args.values(), *request.form.values(), *request.form.keys()]
        if any("\x00" in value for value in values):
            return _error_response(400, "Invalid input", "Input must not contain NUL characters.")
        return None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["X-Request-ID"] = request_id_var.get() or ""
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        response.headers.setdefault("Cache-Control", "no-store")
        return response
