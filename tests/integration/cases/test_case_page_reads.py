"""The case page shows everything about a case, decrypted, from a fixed handful of statements."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from casework.cases.clock_models import StopReasonCode
from casework.cases.clocks import request_clock_stop, request_extension
from casework.cases.evidence import store_evidence
from casework.cases.models import Case
from casework.cases.services import log_step
from casework.identity.models import Role, StaffUser
from casework.keys.services import Keys
from tests.factories import make_case, make_entity, make_staff
from tests.support.access_matrix import send, signed_in_client
from tests.support.databases import recorded_statements

REAL_NOW = datetime.now(UTC)
PDF = b"%PDF-1.4\n% a witness statement\n"
# Session lookup, the case with its key, the small tables, the steps, the audit entry: on
# SQLite the audit append takes a few more (the head is read and moved in separate statements).
MOST_STATEMENTS = {"postgresql": 5, "sqlite": 8}


def _full_case(session: Session, keys: Keys, steps: int) -> tuple[Case, int]:
    """A case with steps, a clock stop, an extension and evidence; return it and a supervisor."""
    entity = make_entity(session, REAL_NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, REAL_NOW)
    opened = REAL_NOW - timedelta(hours=steps + 2)
    case = make_case(session, keys, entity, opened, affected_name="Ada Witness")
    for number in range(steps):
        log_step(
            session,
            keys,
            case,
            "note",
            f"Step {number + 1} of {steps}: <called> the affected person & agreed next steps.",
            opened + timedelta(hours=number + 1),
            supervisor.id,
            REAL_NOW,
        )
    request_clock_stop(session, case, StopReasonCode.MEDIATION, REAL_NOW, supervisor.id, REAL_NOW)
    request_extension(
        session,
        keys,
        case,
        "investigation",
        2,
        "The affected person is travelling.",
        supervisor.id,
        REAL_NOW,
    )
    store_evidence(session, keys, case, PDF, "Statement", supervisor.id, REAL_NOW)
    session.commit()
    return case, supervisor.id


def test_case_page_shows_every_part_of_the_case_decrypted(
    app: Flask, session: Session, keys: Keys
) -> None:
    case, supervisor_id = _full_case(session, keys, steps=12)
    user = session.get(StaffUser, supervisor_id)
    assert user is not None
    client, csrf = signed_in_client(app, session, user)
    status, body, _ = send(client, "GET", f"/cases/{case.id}", csrf)
    assert status == 200
    timeline = body.split('id="timeline"')[1].split("</ol>")[0]
    shown = re.findall(
        r"Step (\d+) of 12: &lt;called&gt; the affected person &amp; agreed", timeline
    )
    assert shown == [str(n) for n in range(1, 13)]  # every step, decrypted, escaped, in order
    assert "Ada Witness" in body and "affected@example.org" in body and "Subject Person" in body
    assert "Unwelcome comments of a sexual nature." in body
    assert "Acknowledge receipt" in body  # a deadline with its guidance title
    assert re.search(r"<li>\d{2} \w{3} \d{4} \d{2}:\d{2}: intake</li>", body)  # stage history
    assert "Mediation from" in body and "<strong>requested</strong>" in body  # the clock stop
    assert "Reason: The affected person is travelling." in body  # the extension, decrypted
    assert f"case-{case.id}-evidence-" in body and "application/pdf" in body


def test_case_page_reads_in_as_many_statements_for_a_long_case_as_a_short_one(
    app: Flask, session: Session, keys: Keys
) -> None:
    counts = []
    for steps in (1, 30):
        case, supervisor_id = _full_case(session, keys, steps=steps)
        user = session.get(StaffUser, supervisor_id)
        assert user is not None
        client, csrf = signed_in_client(app, session, user)
        url = f"/cases/{case.id}"
        send(client, "GET", url, csrf)  # warm: the first request loads the guidance
        with recorded_statements(session) as statements:
            status, body, _ = send(client, "GET", url, csrf)
        assert status == 200 and f"Step {steps} of {steps}" in body
        counts.append(len(statements))
    dialect = session.get_bind().dialect.name
    assert counts[0] == counts[1] <= MOST_STATEMENTS[dialect], counts
