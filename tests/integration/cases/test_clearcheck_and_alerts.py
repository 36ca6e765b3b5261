"""Separation and departure feed ClearCheck; recomputing deadlines keeps alerted thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.cases.clock_models import Extension
from casework.cases.clocks import decide_extension, request_extension
from casework.cases.decision_models import DisciplinaryMeasure
from casework.cases.models import Case, Deadline, Finding, Stage
from casework.cases.services import log_step
from casework.cases.timeline import recompute_deadlines
from casework.cases.workflow import advance_stage, record_decision, record_findings
from casework.clearcheck.models import ClearCheckRecord, ScreeningReason
from casework.clearcheck.services import export_csv
from casework.identity.models import Role
from casework.keys.services import Keys
from tests.factories import make_case, make_entity, make_staff

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _to_disciplinary(session: Session, case: Case) -> None:
    for stage in (Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.REFERRAL):
        advance_stage(session, case, stage, None, None, NOW)
    record_findings(session, case, {a.id: Finding.SUFFICIENT for a in case.allegations}, None, NOW)
    advance_stage(session, case, Stage.DISCIPLINARY, None, None, NOW)


def test_dismissal_produces_an_encrypted_screening_record(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    case = make_case(session, keys, entity, NOW, subject_name="Canary-Subject-Vex")
    _to_disciplinary(session, case)
    record_decision(
        session, case, [DisciplinaryMeasure.DISMISSAL], None, NOW, None, None, NOW, keys=keys
    )
    record = session.scalars(select(ClearCheckRecord)).one()
    assert record.reason is ScreeningReason.DISMISSED
    assert record.name_ct is not None and b"Canary-Subject-Vex" not in record.name_ct
    exported = export_csv(session, keys, entity.id, NOW)
    assert "Canary-Subject-Vex,,dismissed,2026-11-25" in exported
    assert record.last_exported_at == NOW


def test_a_lesser_measure_produces_no_screening_record(session: Session, keys: Keys) -> None:
    case = make_case(session, keys, make_entity(session, NOW), NOW)
    _to_disciplinary(session, case)
    record_decision(session, case, [DisciplinaryMeasure.FINE], None, NOW, None, None, NOW)
    assert session.scalars(select(ClearCheckRecord)).all() == []


def test_subject_leaving_with_allegations_pending_is_screened(session: Session, keys: Keys) -> None:
    case = make_case(session, keys, make_entity(session, NOW), NOW)
    log_step(session, keys, case, "subject_departed", None, NOW, None, NOW)
    log_step(session, keys, case, "subject_departed", None, NOW, None, NOW)  # idempotent
    record = session.scalars(select(ClearCheckRecord)).one()
    assert record.reason is ScreeningReason.LEFT_WITH_ALLEGATIONS_PENDING


def test_recompute_keeps_thresholds_already_alerted(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, NOW)
    case = make_case(session, keys, entity, NOW)
    advance_stage(session, case, Stage.ASSESSMENT, None, None, NOW)
    advance_stage(session, case, Stage.INVESTIGATION, None, None, NOW)
    row = session.scalars(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.key == "investigation")
    ).one()
    assert row.next_alert_at == NOW + timedelta(days=60)  # amber
    # A worker alerted amber: the next alert is red.
    session.execute(update(Deadline).where(Deadline.id == row.id).values(next_alert_at=row.red_at))
    session.expire_all()
    ext = request_extension(session, keys, case, "investigation", 10, "Witness", None, NOW)
    decide_extension(session, case, ext, True, supervisor.id, NOW)
    row = session.get(Deadline, row.id)  # type: ignore[assignment]
    assert row.amber_at == NOW + timedelta(days=70)
    assert row.next_alert_at == NOW + timedelta(days=100)  # red moved; amber not re-alerted
    recompute_deadlines(session, case, NOW)
    assert row.next_alert_at == NOW + timedelta(days=100)
    reason = session.scalars(select(Extension.reason_ct)).one()
    assert b"Witness" not in reason
