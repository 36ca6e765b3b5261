"""Leak hunt over a full run: web, worker and beat processes, PostgreSQL, Redis and SMTP.

Distinctive canary strings go into every sensitive field (party names, e-mail, phone, allegation,
step narrative typed into the web form, a message sent from the portal). None may appear in the
database dump, in Redis (captured with MONITOR), in any log line, in any URL, in any e-mail, or in
any error page. The authenticated case page must show them (so the hunt can fail for the right
reason: the data is there, just never where it must not be).
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, quote_plus

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from casework.boundary import app_keys, session
from casework.cases.models import PartyRole
from casework.cases.services import NewParty, add_party
from casework.identity.models import Role
from casework.notifications.rules import set_contact_preference
from casework.portal.services import send_message
from tests.factories import make_case, make_entity, make_user
from tests.integration.notifications.helpers import affected
from tests.integration.workers.stack import WorkerStack, redis_monitor, wait_for
from tests.support.access_matrix import signed_in_client
from tests.support.mail import SmtpSink

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

CANARIES = {
    "affected_name": "Pangolin-Canary Affected",
    "affected_email": "pangolin.canary@example.org",
    "witness_phone": "+41 22 555 0199",
    "subject_name": "Narwhal-Canary Subject",
    "witness_name": "Axolotl-Canary Witness",
    "allegation": "Quetzal-Canary allegation text",
    "narrative": "Okapi-Canary interview narrative",
    "portal_message": "Tapir-Canary message from the portal",
}


def _forms_of(text: str) -> set[str]:
    """Every way a canary could be written: plain, lower case, URL-encoded."""
    return {text, text.lower(), quote(text), quote_plus(text), quote(text.lower())}


def _assert_absent(where: str, haystack: str) -> None:
    for label, canary in CANARIES.items():
        for form in _forms_of(canary):
            assert form not in haystack, f"{label} leaked into {where}"


def _pg_dump(database_url: str) -> str:
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for the leak hunt"
    plain = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    return subprocess.run(
        [pg_dump, "--inserts", plain], check=True, capture_output=True, text=True
    ).stdout


def test_canaries_never_leave_the_encrypted_fields(
    worker_app: Flask, stack: WorkerStack, sink: SmtpSink
) -> None:
    captured_logs = io.StringIO()
    handler = logging.StreamHandler(captured_logs)
    logging.getLogger().addHandler(handler)
    urls: list[str] = []
    error_pages: list[str] = []
    try:
        with redis_monitor() as redis_commands:
            now = datetime.now(UTC)
            s = session()
            entity = make_entity(s, now)
            supervisor = make_user(s, entity, Role.SUPERVISOR, now)
            case = make_case(
                s, app_keys(worker_app), entity, now - timedelta(minutes=5),
                affected_name=CANARIES["affected_name"],
                affected_email=CANARIES["affected_email"],
                subject_name=CANARIES["subject_name"],
                allegation=CANARIES["allegation"],
            )  # fmt: skip
            add_party(
                s,
                app_keys(worker_app),
                case,
                NewParty(
                    PartyRole.WITNESS, CANARIES["witness_name"], phone=CANARIES["witness_phone"]
                ),
            )
            party = affected(case)
            set_contact_preference(s, party.id, now, consent=True)
            s.commit()

            web, csrf = signed_in_client(worker_app, s, supervisor)
            response = web.post(
                f"/cases/{case.id}/steps",
                data={"csrf_token": csrf, "kind": "acknowledgement",
                      "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
                      "narrative": CANARIES["narrative"]},
            )  # fmt: skip
            assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
            urls.append(response.headers["Location"])
            page = web.get(f"/cases/{case.id}").get_data(as_text=True)
            assert CANARIES["narrative"] in page and CANARIES["affected_name"] in page
            for path in ("/cases/", f"/cases/{case.id}"):
                body = web.get(path).get_data(as_text=True)
                urls.extend(re.findall(r'(?:href|action|src)="([^"]*)"', body))
            for path in (f"/cases/{case.id + 999}", "/cases/not-a-number", "/no-such-page"):
                error_pages.append(web.get(path).get_data(as_text=True))
            error_pages.append(
                web.post(f"/cases/{case.id}/steps", data={"csrf_token": "forged"}).get_data(
                    as_text=True
                )
            )

            send_message(
                s, app_keys(worker_app), case.id, party.id, CANARIES["portal_message"], now
            )
            s.commit()

            stack.start_worker()
            stack.start_beat()
            wait_for(lambda: sum(sink.ids().values()) >= 1, 90, "a notice at the SMTP server")
    finally:
        logging.getLogger().removeHandler(handler)

    assert redis_commands, "MONITOR saw nothing"
    _assert_absent("Redis", "\n".join(redis_commands))
    _assert_absent("the worker log", stack.log_text())
    _assert_absent("the web log", captured_logs.getvalue())
    _assert_absent("a URL", "\n".join(urls))
    _assert_absent("an error page", "\n".join(error_pages))
    bodies = "\n".join(sink.bodies())
    assert "sign in" in bodies.lower()
    _assert_absent("an e-mail", bodies)
    _assert_absent("the database dump", _pg_dump(worker_app.config["SQLALCHEMY_DATABASE_URI"]))
