"""The log filter redacts decrypted values, e-mail addresses and phone numbers."""

from __future__ import annotations

import json
import logging

import pytest

from casework.crypto import CaseCipher, new_data_key
from casework.logs import JsonFormatter, RedactingFilter, request_id_var


def _render(message: str, *args: object) -> str:
    record = logging.LogRecord("casework.test", logging.INFO, __file__, 1, message, args, None)
    assert RedactingFilter().filter(record)
    return JsonFormatter().format(record)


def test_a_decrypted_party_name_passed_to_a_log_call_is_redacted() -> None:
    cipher = CaseCipher(1, new_data_key())
    name = cipher.decrypt("parties", "name", cipher.encrypt("parties", "name", "Canary Person"))
    line = _render("opened case for %s", name)
    assert "Canary" not in line
    assert json.loads(line)["message"] == "opened case for [redacted]"


@pytest.mark.parametrize(
    "leak",
    ["canary.person@example.org", "+41 22 917 1234", "(022) 917-1234 ext"],
)
def test_contact_details_are_redacted_even_inside_formatted_text(leak: str) -> None:
    line = _render(f"contact {leak} now")
    assert leak.split(" ext")[0] not in line
    assert "[redacted]" in line


def test_ids_and_timestamps_survive() -> None:
    line = _render("case %d moved at %s", 4211, "2026-11-25T09:30:00+00:00")
    assert json.loads(line)["message"] == "case 4211 moved at 2026-11-25T09:30:00+00:00"


def test_exception_text_is_redacted_and_request_id_attached() -> None:
    token = request_id_var.set("req-123")
    try:
        try:
            raise ValueError("bad address canary@example.org")
        except ValueError:
            import sys

            record = logging.LogRecord(
                "casework.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
            )
        RedactingFilter().filter(record)
        document = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert document["request_id"] == "req-123"
    assert "canary@example.org" not in json.dumps(document)
    assert document["error"] == "ValueError: bad address [redacted]"
