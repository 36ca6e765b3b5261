"""Prometheus metrics: request latency, outbox backlog, alerts by level, overdue cases.

Several gunicorn workers summed in one scrape: tests/integration/test_metrics_gunicorn.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from casework.boundary import app_settings
from casework.cases.models import Deadline
from casework.keys.services import Keys
from casework.notifications.models import DeadlineAlert
from tests.factories import make_case, make_entity


def _metric(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exposed")


def test_metrics_expose_latency_alerts_and_overdue_cases(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now, received_days_ago=40)
    start = now - timedelta(days=40)
    session.query(Deadline).filter(Deadline.case_id == case.id).delete()
    session.add(
        Deadline(
            case_id=case.id,
            key="preliminary_assessment",
            starts_at=start,
            due_at=start + timedelta(days=30),
            amber_at=start + timedelta(days=21),
            red_at=start + timedelta(days=30),
            ceiling_at=None,
            met_at=None,
            next_alert_at=None,
        )
    )
    session.add(
        DeadlineAlert(
            case_id=case.id, deadline_key="preliminary_assessment", threshold="red", raised_at=now
        )
    )
    session.commit()
    client = app.test_client()
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert _metric(body, "casework_overdue_cases") == 1
    assert 'casework_alerts_raised{level="red"} 1.0' in body
    assert 'casework_outbox_rows{status="pending"}' in body
    healthz = 'casework_request_seconds_count{endpoint="health.healthz",method="GET",status="200"}'
    assert _metric(body, healthz) >= 1
    # Single-process mode (no PROMETHEUS_MULTIPROC_DIR): the histogram is exposed once.
    assert body.count("# TYPE casework_request_seconds histogram") == 1
    assert "Affected" not in body


def test_with_a_metrics_token_only_its_bearer_may_scrape(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "m" * 40
    settings = replace(app_settings(app), metrics_token=token)
    monkeypatch.setitem(app.extensions, "casework.settings", settings)
    client = app.test_client()

    for header in ({}, {"Authorization": "Bearer " + "n" * 40}, {"Authorization": token}):
        refused = client.get("/metrics", headers=header)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="casework-metrics"'
        assert "casework_" not in refused.get_data(as_text=True)

    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200
    assert "casework_outbox_rows" in allowed.get_data(as_text=True)
