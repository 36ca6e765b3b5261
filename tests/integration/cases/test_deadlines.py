"""Deadlines follow the pinned guidance table exactly: working days, holidays, stops, extensions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.clock_models import ClockStop, Extension, StopReasonCode
from casework.cases.clocks import (
    decide_clock_stop,
    decide_extension,
    end_clock_stop,
    request_clock_stop,
    request_extension,
)
from casework.cases.models import Case, Deadline, Stage
from casework.cases.services import log_step
from casework.cases.workflow import advance_stage
from casework.errors import TransitionRefused, ValidationFailed
from casework.identity.models import Entity, Role
from casework.keys.services import Keys
from tests.factories import make_case_received_at, make_entity, make_holiday, make_staff

FRIDAY_15H = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _due(session: Session, case: Case) -> dict[str, datetime]:
    rows = session.scalars(select(Deadline).where(Deadline.case_id == case.id))
    return {row.key: row.due_at for row in rows}


def _row(session: Session, case: Case, key: str) -> Deadline:
    row = session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.key == key))
    assert row is not None, key
    return row


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def test_intake_deadlines_skip_the_weekend(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    case = make_case_received_at(session, keys, entity, FRIDAY_15H, NOW)
    due = _due(session, case)
    assert due["acknowledge_receipt"] == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday
    assert due["safety_triage"] == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # 24 hours
    assert due["interim_measures_decision"] == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert due["end_to_end"] == FRIDAY_15H + timedelta(days=240)
    amber = _row(session, case, "interim_measures_decision").amber_at
    assert amber == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    row = _row(session, case, "acknowledge_receipt")
    assert row.next_alert_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # amber: 1 wd


def test_a_holiday_and_another_weekend_move_working_day_deadlines(
    session: Session, keys: Keys
) -> None:
    entity: Entity = make_entity(session, NOW)
    entity.weekend_days = "4,5"  # Friday and Saturday
    make_holiday(session, entity, "2026-11-23")  # the Monday
    case = make_case_received_at(session, keys, entity, FRIDAY_15H, NOW)
    due = _due(session, case)
    # Received on a weekend day: counting starts Sunday 00:00; Sunday, Tuesday -> Wednesday 00:00.
    assert due["acknowledge_receipt"] == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    # Sunday, Tuesday, Wednesday, Thursday, Sunday -> Monday 30 November 00:00.
    assert due["interim_measures_decision"] == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def test_meeting_a_deadline_stops_its_alerts(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    case = make_case_received_at(session, keys, entity, FRIDAY_15H, NOW)
    acknowledged = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    log_step(session, keys, case, "acknowledgement", "Sent.", acknowledged, None, NOW)
    row = _row(session, case, "acknowledge_receipt")
    assert row.met_at == acknowledged
    assert row.next_alert_at is None


def _investigating(session: Session, keys: Keys, entity: Entity) -> tuple[Case, datetime]:
    case = make_case_received_at(session, keys, entity, FRIDAY_15H, NOW)
    advance_stage(session, case, Stage.ASSESSMENT, None, None, NOW)
    assigned = NOW + timedelta(hours=1)
    advance_stage(session, case, Stage.INVESTIGATION, None, None, assigned)
    return case, assigned


def test_investigation_clock_stop_and_extension(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    investigator = make_staff(session, entity, Role.INVESTIGATOR, NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, NOW)
    case, assigned = _investigating(session, keys, entity)
    assert _due(session, case)["investigation"] == assigned + timedelta(days=90)
    assert _row(session, case, "investigation").ceiling_at == assigned + timedelta(days=180)

    later = assigned + timedelta(days=10)
    stop = request_clock_stop(
        session, case, StopReasonCode.SUBJECT_SICK_LEAVE, later, investigator.id, later
    )
    assert _due(session, case)["investigation"] == assigned + timedelta(days=90)  # not approved
    decide_clock_stop(session, case, stop, True, supervisor.id, later)
    restart = later + timedelta(days=7)
    end_clock_stop(session, case, stop, restart, investigator.id, restart)
    assert _due(session, case)["investigation"] == assigned + timedelta(days=97)
    assert _row(session, case, "investigation").ceiling_at == assigned + timedelta(days=187)

    extension = request_extension(
        session, keys, case, "investigation", 30, "Witness abroad", investigator.id, restart
    )
    assert _due(session, case)["investigation"] == assigned + timedelta(days=97)
    decide_extension(session, case, extension, True, supervisor.id, restart)
    row = _row(session, case, "investigation")
    assert row.due_at == assigned + timedelta(days=127)
    assert row.amber_at == assigned + timedelta(days=97)
    assert row.ceiling_at == assigned + timedelta(days=187)  # the ceiling never moves


def test_an_open_clock_stop_holds_deadlines_still(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, NOW)
    case, assigned = _investigating(session, keys, entity)
    later = assigned + timedelta(days=5)
    stop = request_clock_stop(session, case, StopReasonCode.MEDIATION, later, None, later)
    decide_clock_stop(session, case, stop, True, supervisor.id, later + timedelta(days=3))
    assert _due(session, case)["investigation"] == assigned + timedelta(days=93)


def test_extension_without_reason_is_refused_and_writes_nothing(
    session: Session, keys: Keys
) -> None:
    entity = make_entity(session, NOW)
    case, assigned = _investigating(session, keys, entity)
    before = (_count(session, Extension), _due(session, case))
    with pytest.raises(ValidationFailed) as caught:
        request_extension(session, keys, case, "investigation", 10, "  ", None, assigned)
    assert "reason" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        request_extension(session, keys, case, "investigation", 0, "", None, assigned)
    assert set(caught.value.errors) == {"reason", "amount"}
    with pytest.raises(ValidationFailed) as caught:
        request_extension(session, keys, case, "investigation", 100, "Long", None, assigned)
    assert "ceiling" in caught.value.errors["amount"]
    assert (_count(session, Extension), _due(session, case)) == before


def test_clock_stop_needs_a_ground_and_another_approver(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, NOW)
    case, assigned = _investigating(session, keys, entity)
    with pytest.raises(ValidationFailed) as caught:
        request_clock_stop(session, case, None, None, supervisor.id, assigned)
    assert set(caught.value.errors) == {"reason", "started_at"}
    assert _count(session, ClockStop) == 0
    stop = request_clock_stop(
        session, case, StopReasonCode.MEDIATION, assigned, supervisor.id, assigned
    )
    with pytest.raises(TransitionRefused):
        decide_clock_stop(session, case, stop, True, supervisor.id, assigned)


def test_subject_response_extendable_once_by_fourteen_days(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    supervisor = make_staff(session, entity, Role.SUPERVISOR, NOW)
    case, assigned = _investigating(session, keys, entity)
    case.allegations[0].finding = None
    at = assigned + timedelta(days=1)
    advance_stage(session, case, Stage.REFERRAL, None, None, at)
    from casework.cases.models import Finding
    from casework.cases.workflow import record_findings

    record_findings(session, case, {case.allegations[0].id: Finding.SUFFICIENT}, None, at)
    advance_stage(session, case, Stage.DISCIPLINARY, None, None, at)
    log_step(session, keys, case, "memorandum", None, at, None, at)
    assert _due(session, case)["subject_response"] == at + timedelta(days=14)
    with pytest.raises(ValidationFailed):
        request_extension(session, keys, case, "subject_response", 15, "Ill", None, at)
    ext = request_extension(session, keys, case, "subject_response", 14, "Ill", None, at)
    decide_extension(session, case, ext, True, supervisor.id, at)
    assert _due(session, case)["subject_response"] == at + timedelta(days=28)
    with pytest.raises(ValidationFailed):
        request_extension(session, keys, case, "subject_response", 1, "Again", None, at)
