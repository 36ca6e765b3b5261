"""The SMS channel behind its adapter, against a local HTTP sink: content-free, idempotency key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from casework.keys.services import Keys
from casework.notifications.channels import HttpSmsGateway
from casework.notifications.delivery import deliver_outbox
from casework.notifications.outbox import RelayPolicy, relay_due
from casework.notifications.rules import set_contact_preference
from tests.factories import make_case, make_entity
from tests.integration.notifications.helpers import RecordingMailer, affected, delivery_for, fire

RECEIVED: list[tuple[dict[str, Any], str]] = []


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        RECEIVED.append((json.loads(self.rfile.read(length)), self.headers["Idempotency-Key"]))
        self.send_response(202)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def sms_url() -> Iterator[str]:
    """A local HTTP server standing in for the SMS gateway."""
    RECEIVED.clear()
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()
    server.server_close()


def test_sms_notice_is_content_free_and_sent_once(
    app: Flask, session: Session, keys: Keys, now: datetime, sms_url: str
) -> None:
    case = make_case(session, keys, make_entity(session, now), now, affected_name="Sms Canary")
    set_contact_preference(
        session, affected(case).id, now, consent=True, channels=("sms",), language="es"
    )
    fire(session, case, "acknowledged", now)
    session.commit()
    delivery = replace(delivery_for(app, RecordingMailer()), sms=HttpSmsGateway(sms_url))
    ids = relay_due(session, now, RelayPolicy())
    session.commit()
    outcomes = [deliver_outbox(session, delivery, i, now, session.commit) for i in ids + ids]
    session.commit()
    assert outcomes == ["sent", "skipped"]
    ((body, key),) = RECEIVED
    assert body["to"] == "+41 22 917 1234"
    assert body["text"].startswith("Hay una actualización de su caso.")
    assert "Canary" not in body["text"] and "verbal" not in body["text"]
    assert key == f"<outbox-{ids[0]}@casework.test>"
