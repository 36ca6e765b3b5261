"""The investigator pages: guarded by the access matrix, readable, and refusing bad input whole."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.clock_models import CaseEventRecord, Extension
from casework.cases.evidence_models import EvidenceChunk, EvidenceFile
from casework.cases.models import Case, CaseStep, Stage, StageChange
from casework.clearcheck.models import ClearCheckRecord, ScreeningReason
from casework.clearcheck.services import record_screening
from casework.identity.models import Role
from casework.keys.services import Keys
from tests.factories import make_case, make_entity, make_staff
from tests.support.access_matrix import (
    assert_case_route_guarded,
    build_world,
    send,
    signed_in_client,
)

REAL_NOW = datetime.now(UTC)


def _count(session: Session, *models: type[object]) -> tuple[int, ...]:
    session.rollback()
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[arg-type]
        for m in models
    )


WRITES = (CaseStep, StageChange, CaseEventRecord, Extension, EvidenceFile, EvidenceChunk)


def test_every_case_route_passes_the_access_matrix(
    app: Flask, session: Session, keys: Keys
) -> None:
    world = build_world(session, keys, REAL_NOW)
    c = world.case.id
    stamp = REAL_NOW.strftime("%Y-%m-%dT%H:%M")
    routes: list[tuple[str, str, dict[str, str] | None]] = [
        ("GET", f"/cases/{c}", None),
        ("GET", f"/cases/{c}/evidence/1", None),
        ("POST", f"/cases/{c}/steps", {"kind": "note", "occurred_at": stamp}),
        ("POST", f"/cases/{c}/stage", {"target": "assessment"}),
        ("POST", f"/cases/{c}/findings", {}),
        ("POST", f"/cases/{c}/decision", {"decided_at": stamp}),
        ("POST", f"/cases/{c}/clock-stops", {"stop_reason": "mediation", "started_at": stamp}),
        ("POST", f"/cases/{c}/clock-stops/1/decision", {"decision": "approve"}),
        ("POST", f"/cases/{c}/clock-stops/1/end", {"ended_at": stamp}),
        ("POST", f"/cases/{c}/extensions", {"deadline_key": "investigation"}),
        ("POST", f"/cases/{c}/extensions/1/decision", {"decision": "approve"}),
        ("POST", f"/cases/{c}/evidence", {}),
    ]
    for method, url, data in routes:
        assert_case_route_guarded(app, session, world, method, url, data)


def test_dashboard_puts_late_cases_first_in_words(app: Flask, session: Session, keys: Keys) -> None:
    entity = make_entity(session, REAL_NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, REAL_NOW)
    make_case(session, keys, entity, REAL_NOW, affected_email="a@example.org")
    late = make_case(
        session, keys, entity, REAL_NOW, affected_email="b@example.org", received_days_ago=20
    )
    session.commit()
    client, csrf = signed_in_client(app, session, supervisor)
    status, body, _ = send(client, "GET", "/cases/", csrf)
    assert status == 200
    rows = re.findall(r'<tr class="row-(\w+)">', body)
    assert rows == ["red", "green"]
    assert re.search(r"<strong>Late</strong>: Overdue by 19 days", body), re.findall(
        r"status-red.{0,80}", body
    )
    assert f"/cases/{late.id}" in body.split("row-green")[0]
    status, body, _ = send(client, "GET", "/cases/?status=green&sort=reference", csrf)
    assert re.findall(r'<tr class="row-(\w+)">', body) == ["green"]


def _supervisor_and_case(app: Flask, session: Session, keys: Keys) -> tuple[object, Case, str]:
    entity = make_entity(session, REAL_NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, REAL_NOW)
    case = make_case(session, keys, entity, REAL_NOW - timedelta(hours=1))
    session.commit()
    client, csrf = signed_in_client(app, session, supervisor)
    return client, case, csrf


def test_case_page_shows_parties_deadlines_and_checklist(
    app: Flask, session: Session, keys: Keys
) -> None:
    client, case, csrf = _supervisor_and_case(app, session, keys)
    status, body, _ = send(client, "GET", f"/cases/{case.id}", csrf)  # type: ignore[arg-type]
    assert status == 200
    assert "Affected Person" in body and "Unwelcome comments" in body
    assert "Acknowledge receipt" in body and "On track" in body
    assert "Triage the affected person" in body  # intake checklist from the guidance


def test_logging_a_step_shows_it_and_bad_input_writes_nothing(
    app: Flask, session: Session, keys: Keys
) -> None:
    client, case, csrf = _supervisor_and_case(app, session, keys)
    url = f"/cases/{case.id}/steps"
    before = _count(session, *WRITES)
    status, body, _ = send(client, "POST", url, csrf, {"kind": "", "occurred_at": "yesterday"})  # type: ignore[arg-type]
    assert status == 400
    assert 'id="kind-error"' in body and 'id="occurred_at-error"' in body
    assert 'aria-describedby="occurred_at-error"' in body
    assert _count(session, *WRITES) == before
    stamp = (REAL_NOW - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    data = {"kind": "acknowledgement", "occurred_at": stamp, "narrative": "Sent by e-mail."}
    status, _body, location = send(client, "POST", url, csrf, data)  # type: ignore[arg-type]
    assert status == 302 and location.endswith(f"/cases/{case.id}#step")
    _status, body, _ = send(client, "GET", f"/cases/{case.id}", csrf)  # type: ignore[arg-type]
    assert "Acknowledgement of receipt sent" in body and "Sent by e-mail." in body
    assert "<strong>Met</strong>" in body


def test_illegal_transition_and_extension_without_reason_are_clear_and_write_nothing(
    app: Flask, session: Session, keys: Keys
) -> None:
    client, case, csrf = _supervisor_and_case(app, session, keys)
    before = _count(session, *WRITES)
    status, body, _ = send(client, "POST", f"/cases/{case.id}/stage", csrf, {"target": "referral"})  # type: ignore[arg-type]
    assert status == 409 and "cannot move from intake to referral" in body
    status, body, _ = send(
        client,
        "POST",
        f"/cases/{case.id}/stage",
        csrf,
        {"target": "closed"},  # type: ignore[arg-type]
    )
    assert status == 400 and "closing needs an outcome" in body
    data = {"deadline_key": "acknowledge_receipt", "amount": "", "reason": " "}
    status, body, _ = send(client, "POST", f"/cases/{case.id}/extensions", csrf, data)  # type: ignore[arg-type]
    assert status == 400
    assert 'id="reason-error"' in body and 'id="amount-error"' in body
    assert _count(session, *WRITES) == before
    session.rollback()
    assert session.get(Case, case.id).stage is Stage.INTAKE  # type: ignore[union-attr]


def test_evidence_checked_by_content_and_downloaded_as_attachment(
    app: Flask, session: Session, keys: Keys
) -> None:
    client, case, csrf = _supervisor_and_case(app, session, keys)
    url = f"/cases/{case.id}/evidence"
    before = _count(session, *WRITES)
    import io

    exe = {"file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "report.pdf"), "csrf_token": csrf}
    response = client.post(url, data=exe, content_type="multipart/form-data")  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert "not an accepted type" in response.get_data(as_text=True)
    assert _count(session, *WRITES) == before
    pdf = b"%PDF-1.4\n% evidence\n"
    upload = {"file": (io.BytesIO(pdf), "../../etc/x.exe"), "csrf_token": csrf}
    response = client.post(url, data=upload, content_type="multipart/form-data")  # type: ignore[attr-defined]
    assert response.status_code == 302
    session.rollback()
    stored = session.scalars(select(EvidenceFile)).one()
    download = client.get(f"/cases/{case.id}/evidence/{stored.id}")  # type: ignore[attr-defined]
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="case-{case.id}-evidence-{stored.id}.pdf"'
    )
    assert download.headers["Cache-Control"] == "no-store"


def test_intake_reports_every_error_then_registers_and_warns_of_duplicates(
    app: Flask, session: Session, keys: Keys
) -> None:
    entity = make_entity(session, REAL_NOW)
    officer = make_staff(session, entity, Role.INTAKE_OFFICER, REAL_NOW)
    make_case(session, keys, entity, REAL_NOW, affected_email="dup@example.org")
    session.commit()
    client, csrf = signed_in_client(app, session, officer)
    before = _count(session, Case)
    status, body, _ = send(client, "POST", "/cases/new", csrf, {"affected_email": "nope"})
    assert status == 400
    for field in ("category", "intake_channel", "received_at", "allegation_1"):
        assert f'id="{field}-error"' in body, field
    assert _count(session, Case) == before
    form = {
        "category": "verbal",
        "intake_channel": "hotline",
        "priority": "normal",
        "received_at": (REAL_NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "affected_name": "New Person",
        "affected_email": "dup@example.org",
        "allegation_1": "Comments at the party.",
    }
    status, body, _ = send(client, "POST", "/cases/new", csrf, form)
    assert status == 409 and "Possible duplicate" in body
    assert _count(session, Case) == before
    status, _body, location = send(
        client, "POST", "/cases/new", csrf, {**form, "confirm_duplicate": "yes"}
    )
    assert status == 302 and "/cases/" in location
    assert _count(session, Case) == (before[0] + 1,)


def test_clearcheck_export_for_supervisors_only_and_audited(
    app: Flask, session: Session, keys: Keys
) -> None:
    entity = make_entity(session, REAL_NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, REAL_NOW)
    investigator = make_staff(session, entity, Role.INVESTIGATOR, REAL_NOW)
    case = make_case(session, keys, entity, REAL_NOW, subject_name="=Subject Formula")
    record_screening(session, keys, case, ScreeningReason.DISMISSED, REAL_NOW, REAL_NOW)
    session.commit()
    url = f"/clearcheck/entities/{entity.id}/export.csv"
    client, csrf = signed_in_client(app, session, investigator)
    assert send(client, "GET", url, csrf)[0] == 404
    client, csrf = signed_in_client(app, session, supervisor)
    status, body, _ = send(client, "GET", url, csrf)
    assert status == 200
    assert "'=Subject Formula" in body and "dismissed" in body
    session.rollback()
    from casework.audit.models import AuditEntry

    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == supervisor.id))
    assert "clearcheck.export" in list(actions)
    assert session.scalars(select(ClearCheckRecord)).one().name_ct is not None


def test_a_shredded_case_is_listed_and_answers_gone_not_500(
    app: Flask, session: Session, keys: Keys
) -> None:
    from casework.cases.retention import shred_case

    client, case, csrf = _supervisor_and_case(app, session, keys)
    shred_case(session, session.get(Case, case.id), REAL_NOW)  # type: ignore[arg-type]
    session.commit()
    status, body, _ = send(client, "GET", "/cases/", csrf)  # type: ignore[arg-type]
    assert status == 200 and f"(shredded case {case.id})" in body
    status, body, _ = send(client, "GET", f"/cases/{case.id}", csrf)  # type: ignore[arg-type]
    assert status == 410 and "crypto-shredded" in body
