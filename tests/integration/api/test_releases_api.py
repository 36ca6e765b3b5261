"""The oversight API: token auth, scopes, formats, and nothing identifying in any response."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from casework.api.schemas import (
    AxisSchema,
    CellSchema,
    ReleaseDetailSchema,
    ReleaseListSchema,
    TableSchema,
)
from casework.oversight.services import create_token, revoke_token
from casework.statistics.disclosure_model import PublishedCell, PublishedTable
from casework.statistics.disclosure_serialise import table_to_dict
from casework.statistics.release import (
    POOLED_NOTE,
    RELEASE_NOTES,
    build_all_releases,
    figures_to_dict,
)
from casework.statistics.tables import TIMED_STAGES, FigureTable
from tests.factories import make_oversight_token
from tests.integration.statistics.synthetic import CATEGORIES, NOW, SIZES, populate

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{2}:\d{2}")
REFERENCE = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{3,}\b")
PERIOD = re.compile(r"^\d{4}(-Q[1-4])?$")
HASH = re.compile(r"^[0-9a-f]{64}$")
VOCABULARY = {
    "system",
    "other",
    "Total",
    "[c]",
    "counts",
    "median_weeks",
    "percent",
    "entity",
    "period",
    "category",
    "outcome",
    "stage",
    "received",
    "closed",
    "open_at_period_end",
    "completed_stages",
    "substantiated",
    "unsubstantiated",
    "closed_other",
    "clock_stops",
    "extensions",
    "alerts_raised",
    "milestone_delivery",
    "milestones_due",
    "delivery",
    "on_time",
    "late",
    "withheld",
    *TIMED_STAGES,
    *CATEGORIES,
    *SIZES,
}


@pytest.fixture
def published(session: Session) -> dict[str, int]:
    """The synthetic cases and their releases, committed; release ids by scope."""
    populate(session)
    releases = build_all_releases(session, NOW)
    session.commit()
    return {release.scope: release.id for release in releases}


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client of the app."""
    with app.test_client() as test_client:
        yield test_client


def _token(session: Session, *scopes: str) -> dict[str, str]:
    secret = make_oversight_token(session, NOW, scopes)
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _strings(value: Any, key: str | None = None) -> Iterator[tuple[str | None, str, bool]]:
    """Every string of a JSON document: (enclosing key, text, whether the text is a key)."""
    if isinstance(value, str):
        yield key, value, False
    elif isinstance(value, dict):
        for name, item in value.items():
            yield key, name, True
            yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)


def _fixed_notes() -> set[str]:
    """Every note the code can publish, taken from the code, not from a response."""
    cell = PublishedCell(0)
    tiny = PublishedTable("t", "p", "a", "b", ("x",), ("y",), ((cell,),), (cell,), (cell,), cell)
    figures = FigureTable("t", "percent", ("x",), ("y",), ((None,),))
    return {
        *RELEASE_NOTES,
        POOLED_NOTE,
        *table_to_dict(tiny)["notes"],  # type: ignore[misc]
        *figures_to_dict(figures)["notes"],
    }


SCHEMA_KEYS = {
    name
    for schema in (ReleaseListSchema, ReleaseDetailSchema, TableSchema, CellSchema, AxisSchema)
    for name in (field.data_key or attr for attr, field in schema().fields.items())
} | {"label", "from", "to"}


def _body(response: TestResponse) -> Any:
    """The JSON body of a response."""
    return response.get_json()


def _table_names(document: dict[str, Any]) -> set[str]:
    return set(document["tables"])


@pytest.mark.parametrize("scope", ["system", "BIGA", "SMA"])
def test_every_table_reads_as_json_and_csv_and_nothing_identifies_a_case(
    session: Session, client: FlaskClient, published: dict[str, int], scope: str
) -> None:
    headers = _token(session, scope)
    listing = client.get("/api/v1/releases", headers=headers)
    assert listing.status_code == 200
    assert [r["scope"] for r in _body(listing)["releases"]] == [scope]
    release_id = published[scope]
    detail = client.get(f"/api/v1/releases/{release_id}", headers=headers)
    assert detail.status_code == 200
    names = _table_names(_body(detail))
    assert "stage_median_weeks" in names
    assert _body(detail)["period"] == {"label": "2025", "from": "2025-Q1", "to": "2025-Q4"}
    assert ("outcomes" in names) == (scope != "SMA")  # SMA is pooled: no counts of its own
    bodies: list[str] = [listing.get_data(as_text=True), detail.get_data(as_text=True)]
    notes = set(_body(detail)["notes"])
    for name in names:
        as_json = client.get(f"/api/v1/releases/{release_id}/tables/{name}", headers=headers)
        assert as_json.status_code == 200
        assert as_json.mimetype == "application/json"
        notes |= set(_body(as_json)["notes"])
        as_csv = client.get(
            f"/api/v1/releases/{release_id}/tables/{name}?format=csv", headers=headers
        )
        assert as_csv.status_code == 200
        assert as_csv.mimetype == "text/csv"
        by_accept = client.get(
            f"/api/v1/releases/{release_id}/tables/{name}",
            headers={**headers, "Accept": "text/csv"},
        )
        assert by_accept.get_data() == as_csv.get_data()
        bodies += [as_json.get_data(as_text=True), as_csv.get_data(as_text=True)]
        for response in (as_json, as_csv):
            assert "Set-Cookie" not in response.headers
    for body in bodies:
        assert not ISO_DATE.search(body)
        assert not REFERENCE.search(body)
    fixed_notes = _fixed_notes()
    assert notes <= fixed_notes
    for body in bodies[:2] + bodies[2::2]:
        for key, text, is_key in _strings(json.loads(body)):
            if is_key:
                assert text in SCHEMA_KEYS, text
            elif key == "notes":
                assert text in fixed_notes, text
            elif key == "content_hash":
                assert HASH.match(text)
            else:
                assert text in VOCABULARY or PERIOD.match(text) or text in names, (key, text)


def test_an_entity_token_cannot_read_another_entity_or_the_system(
    session: Session, client: FlaskClient, published: dict[str, int]
) -> None:
    headers = _token(session, "BIGA")
    listing = client.get("/api/v1/releases", headers=headers)
    assert [r["scope"] for r in _body(listing)["releases"]] == ["BIGA"]
    own = client.get(f"/api/v1/releases/{published['BIGA']}/tables/outcomes", headers=headers)
    assert own.status_code == 200
    for scope in ("BIGB", "system"):
        for path in ("", "/tables/outcomes", "/tables/outcomes?format=csv"):
            response = client.get(f"/api/v1/releases/{published[scope]}{path}", headers=headers)
            assert response.status_code == 404
            assert response.json == {
                "error": "Not found",
                "detail": "There is nothing here, or you may not see it.",
            }


@pytest.mark.parametrize("state", ["missing", "malformed", "unknown", "revoked", "expired"])
def test_requests_without_a_valid_token_get_401(
    session: Session, client: FlaskClient, published: dict[str, int], state: str
) -> None:
    if state == "missing":
        headers: dict[str, str] = {}
    elif state == "malformed":
        headers = {"Authorization": "Basic dXNlcjpwdw=="}
    elif state == "unknown":
        headers = {"Authorization": "Bearer " + "A" * 43}
    else:
        days = 1 if state == "expired" else 90
        issued = create_token(session, "Body", ["system"], days, NOW - timedelta(days=2))
        if state == "revoked":
            revoke_token(session, issued.record.id, NOW - timedelta(days=1))
        session.commit()
        headers = {"Authorization": f"Bearer {issued.secret}"}
    for path in ("/api/v1/releases", f"/api/v1/releases/{published['system']}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.json is not None and set(response.json) == {"error", "detail"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_parameters_get_400_and_unknown_things_404(
    session: Session, client: FlaskClient, published: dict[str, int]
) -> None:
    headers = _token(session, "system")
    base = f"/api/v1/releases/{published['system']}"
    bad = client.get(f"{base}/tables/outcomes?format=xlsx", headers=headers)
    assert bad.status_code == 400
    assert "format" in _body(bad)["detail"]
    assert client.get(f"{base}/tables/nope", headers=headers).status_code == 404
    assert client.get("/api/v1/releases/99999999999999", headers=headers).status_code == 404
    assert client.get("/api/v1/releases/0", headers=headers).status_code == 404


def test_openapi_document_describes_every_answer(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = _body(response)
    assert document["openapi"].startswith("3.")
    operations = document["paths"]["/api/v1/releases/{release_id}/tables/{name}"]["get"]
    assert set(operations["responses"]) == {"200", "400", "401", "404"}
    assert {"Table", "ReleaseList", "ReleaseDetail", "Error"} <= set(
        document["components"]["schemas"]
    )
