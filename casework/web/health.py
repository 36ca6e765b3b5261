"""Liveness and readiness probes for operators and load balancers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from casework.boundary import app_keys, session

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """Answer while the process is alive."""
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Answer 200 only when the database and keys are reachable."""
    checks: dict[str, str] = {}
    try:
        session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # readiness must report, never raise
        checks["database"] = "unreachable"
    keys = app_keys()
    checks["keys"] = (
        "ok"
        if keys.provider.active_kek_version() in keys.provider.usable_kek_versions()
        else "missing"
    )
    ready = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), (
        200 if ready else 503
    )
