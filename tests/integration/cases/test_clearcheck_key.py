"""ClearCheck records have their own key: crypto-shredding the case that produced one destroys
the case's content but not the screening record, which still exports (audited) with its data."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.cases.decision_models import DisciplinaryMeasure
from casework.cases.models import Case, CaseKey, CaseStep, Finding, Party, Stage
from casework.cases.retention import shred_case
from casework.cases.services import log_step
from casework.cases.workflow import advance_stage, record_decision, record_findings
from casework.clearcheck.models import ClearCheckRecord
from casework.clearcheck.services import export_csv
from casework.identity.models import Entity, Role
from casework.keys.services import Keys, open_case_cipher
from tests.factories import make_case, make_entity, make_staff
from tests.support.access_matrix import send, signed_in_client

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SUBJECT = "Canary-Subject-Quill"


def _dismissed(session: Session, keys: Keys) -> Case:
    entity = make_entity(session, NOW)
    case = make_case(session, keys, entity, NOW, subject_name=SUBJECT)
    log_step(session, keys, case, "note", "Canary-Step-Note", NOW, None, NOW)
    for stage in (Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.REFERRAL):
        advance_stage(session, case, stage, None, None, NOW)
    record_findings(session, case, {a.id: Finding.SUFFICIENT for a in case.allegations}, None, NOW)
    advance_stage(session, case, Stage.DISCIPLINARY, None, None, NOW)
    record_decision(
        session, case, [DisciplinaryMeasure.DISMISSAL], None, NOW, None, None, NOW, keys=keys
    )
    return case


def _count(session: Session, model: type[object], case: Case) -> int:
    column = model.case_id  # type: ignore[attr-defined]
    return session.scalar(select(func.count()).where(column == case.id)) or 0


def test_shredding_a_case_keeps_its_screening_record_readable(session: Session, keys: Keys) -> None:
    case = _dismissed(session, keys)
    record = session.scalars(select(ClearCheckRecord)).one()
    assert record.name_ct is not None and SUBJECT.encode() not in record.name_ct

    shred_case(session, case, NOW)
    assert session.get(CaseKey, case.id) is None
    assert _count(session, Party, case) == 0
    assert _count(session, CaseStep, case) == 0
    exported = export_csv(session, keys, case.entity_id, NOW)
    assert f"{record.id},{case.entity_id},{SUBJECT},,dismissed,2026-11-25" in exported


def test_a_record_sealed_with_the_case_key_is_resealed_on_export(
    session: Session, keys: Keys
) -> None:
    case = _dismissed(session, keys)
    record = session.scalars(select(ClearCheckRecord)).one()
    # As written before records had their own key.
    cipher = open_case_cipher(session, keys, case.id)
    record.name_ct = cipher.encrypt("clearcheck_records", f"name:{record.id}", SUBJECT)
    session.flush()
    legacy = record.name_ct

    assert SUBJECT in export_csv(session, keys, case.entity_id, NOW)
    assert record.name_ct is not None and record.name_ct != legacy
    shred_case(session, case, NOW)
    assert SUBJECT in export_csv(session, keys, case.entity_id, NOW)


def test_export_after_shredding_over_the_web_is_audited(
    app: Flask, session: Session, keys: Keys
) -> None:
    case = _dismissed(session, keys)
    shred_case(session, case, NOW)
    entity = session.get_one(Entity, case.entity_id)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, NOW)
    session.commit()
    client, csrf = signed_in_client(app, session, supervisor)
    status, body, _ = send(client, "GET", f"/clearcheck/entities/{case.entity_id}/export.csv", csrf)
    assert status == 200 and f",{SUBJECT},,dismissed," in body
    session.rollback()
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == supervisor.id))
    assert "clearcheck.export" in list(actions)
