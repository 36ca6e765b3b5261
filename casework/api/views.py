"""The /api/v1/ blueprint: releases a token may read, their tables as JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from casework.api.auth import current_scopes, require_token
from casework.api.openapi import openapi_document
from casework.api.schemas import ReleaseDetailSchema, ReleaseListSchema, TableSchema
from casework.boundary import session
from casework.errors import ValidationFailed
from casework.statistics.models import Release
from casework.statistics.release import (
    release_payload,
    release_table,
    table_csv,
    visible_release,
    visible_releases,
)

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
FORMATS = ("json", "csv")
_PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@blueprint.before_request
def _authenticate() -> Response | None:
    if request.endpoint in _PUBLIC_ENDPOINTS:
        return None
    return require_token()


@blueprint.after_request
def _no_cookies(response: Response) -> Response:
    response.headers.remove("Set-Cookie")
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    return response


def _summary(release: Release) -> dict[str, Any]:
    return {
        "id": release.id,
        "scope": release.scope,
        "version": release.version,
        "period": {
            "label": release.period_label,
            "from_": release.period_from,
            "to": release.period_to,
        },
        "content_hash": release.content_hash,
    }


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())


@blueprint.get("/releases")
def list_releases() -> Response:
    """Releases visible to the token's scopes."""
    releases = visible_releases(session(), current_scopes())
    return jsonify(ReleaseListSchema().dump({"releases": [_summary(r) for r in releases]}))


@blueprint.get("/releases/<int:release_id>")
def show_release(release_id: int) -> Response:
    """A release's metadata and table names."""
    release = visible_release(session(), current_scopes(), release_id)
    payload = release_payload(release)
    detail = {**_summary(release), "tables": sorted(payload["tables"]), "notes": payload["notes"]}
    return jsonify(ReleaseDetailSchema().dump(detail))


@blueprint.get("/releases/<int:release_id>/tables/<name>")
def show_table(release_id: int, name: str) -> Response:
    """One table of a release, as JSON or (``?format=csv`` or ``Accept: text/csv``) CSV."""
    wanted = request.args.get("format")
    if wanted is not None and wanted not in FORMATS:
        raise ValidationFailed({"format": "use json or csv"})
    release = visible_release(session(), current_scopes(), release_id)
    table = release_table(release, name)
    accept = request.accept_mimetypes
    as_csv = wanted == "csv" or (wanted is None and accept["text/csv"] > accept["application/json"])
    if as_csv:
        return Response(
            table_csv(table),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="release-{release.id}-{name}.csv"'
            },
        )
    return jsonify(TableSchema().dump(table))
