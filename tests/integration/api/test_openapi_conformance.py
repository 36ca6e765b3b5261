"""Schemathesis against the live app: every answer is documented and matches its schema."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from casework.statistics.release import build_all_releases
from tests.factories import make_oversight_token
from tests.integration.statistics.synthetic import NOW, populate


def test_every_answer_is_documented_and_matches_its_schema(app: Flask, session: Session) -> None:
    populate(session)
    build_all_releases(session, NOW)
    secret = make_oversight_token(session, NOW, ("system", "BIGA"))
    session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secret}"}
    checked = 0
    requests: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call_and_validate(headers=headers)
            requests.append(response.status_code)

        check()
        checked += 1
    assert checked >= 3
    # Generated requests, every one answered without a server error and within its schema.
    assert len(requests) >= 1000, len(requests)
    print(f"schemathesis: {len(requests)} generated requests")
    assert all(status < 500 for status in requests)
