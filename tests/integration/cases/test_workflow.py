"""The workflow: guarded transitions, history, events for every timeline step, pinned guidance."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.clock_models import CaseEventRecord
from casework.cases.decision_models import Decision, DisciplinaryMeasure
from casework.cases.events import CaseEvent, listen, unlisten
from casework.cases.guidance_adoption import adopt_guidance
from casework.cases.models import Case, Deadline, Finding, Outcome, Stage, StageChange
from casework.cases.services import log_step
from casework.cases.timeline import recompute_deadlines
from casework.cases.workflow import advance_stage, record_decision, record_findings
from casework.errors import TransitionRefused, ValidationFailed
from casework.guidance import default_version, register_version
from casework.keys.services import Keys
from tests.factories import make_case_received_at, make_entity

RECEIVED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def heard(session: Session) -> Iterator[list[CaseEvent]]:
    """Every case event emitted during the test."""
    events: list[CaseEvent] = []

    def _hear(_session: Session, event: CaseEvent) -> None:
        events.append(event)

    listen(_hear)
    yield events
    unlisten(_hear)


def _counts(session: Session) -> tuple[int, ...]:
    models = (StageChange, CaseEventRecord, Deadline, Decision)
    return tuple(session.scalar(select(func.count()).select_from(model)) or 0 for model in models)


def _walk_to_disciplinary(session: Session, keys: Keys, case: Case) -> None:
    at = RECEIVED
    for kind in ("acknowledgement", "safety_triage", "interim_measure"):
        at += timedelta(hours=5)
        log_step(session, keys, case, kind, None, at, None, NOW)
    advance_stage(session, case, Stage.ASSESSMENT, None, None, RECEIVED + timedelta(days=1))
    advance_stage(session, case, Stage.INVESTIGATION, None, None, RECEIVED + timedelta(days=2))
    log_step(session, keys, case, "interview", "Met", RECEIVED + timedelta(days=3), None, NOW)
    log_step(session, keys, case, "final_report", None, RECEIVED + timedelta(days=4), None, NOW)
    advance_stage(session, case, Stage.REFERRAL, None, None, RECEIVED + timedelta(days=5))
    findings = {a.id: Finding.SUFFICIENT for a in case.allegations}
    record_findings(session, case, findings, None, RECEIVED + timedelta(days=5))
    advance_stage(session, case, Stage.DISCIPLINARY, None, None, RECEIVED + timedelta(days=6))


def test_a_case_walks_to_closure_emitting_every_timeline_event(
    session: Session, keys: Keys, heard: list[CaseEvent]
) -> None:
    entity = make_entity(session, NOW)
    case = make_case_received_at(session, keys, entity, RECEIVED, NOW)
    _walk_to_disciplinary(session, keys, case)
    log_step(session, keys, case, "memorandum", None, RECEIVED + timedelta(days=7), None, NOW)
    log_step(session, keys, case, "subject_response", None, RECEIVED + timedelta(days=9), None, NOW)
    decided = RECEIVED + timedelta(days=10)
    record_decision(session, case, [DisciplinaryMeasure.FINE], None, decided, decided, None, NOW)
    advance_stage(session, case, Stage.CLOSED, Outcome.SUBSTANTIATED, None, decided)

    names = [event.name for event in heard if event.case_id == case.id]
    assert [n for n in names if not n.startswith(("step:", "stage:"))] == [
        "received",
        "acknowledged",
        "safety_triaged",
        "interim_measures_decided",
        "assessment_started",
        "assessment_decided",
        "investigation_assigned",
        "final_report",
        "findings_recorded",
        "referred",
        "memorandum_issued",
        "response_received",
        "decision",
        "decision_notified",
        "closed",
    ]
    assert "step:interview" in names and "stage:closed" in names
    assert [c.to_stage for c in case.stage_changes] == list(Stage)
    met = {row.key: row.met_at for row in case.deadlines}
    assert all(met.values()), met
    assert met["end_to_end"] == decided
    assert case.closed_at == decided and case.outcome is Outcome.SUBSTANTIATED


def test_illegal_transitions_are_refused_and_write_nothing(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    case = make_case_received_at(session, keys, entity, RECEIVED, NOW)
    before = _counts(session)
    with pytest.raises(TransitionRefused, match="cannot move from intake to referral"):
        advance_stage(session, case, Stage.REFERRAL, None, None, NOW)
    with pytest.raises(TransitionRefused, match="closing needs an outcome"):
        advance_stage(session, case, Stage.CLOSED, None, None, NOW)
    with pytest.raises(TransitionRefused, match="can close only as"):
        advance_stage(session, case, Stage.CLOSED, Outcome.SUBSTANTIATED, None, NOW)
    assert _counts(session) == before
    assert case.stage is Stage.INTAKE


def test_no_referral_without_findings_nor_substantiation_without_decision(
    session: Session, keys: Keys
) -> None:
    entity = make_entity(session, NOW)
    case = make_case_received_at(session, keys, entity, RECEIVED, NOW)
    advance_stage(session, case, Stage.ASSESSMENT, None, None, NOW)
    advance_stage(session, case, Stage.INVESTIGATION, None, None, NOW)
    advance_stage(session, case, Stage.REFERRAL, None, None, NOW)
    before = _counts(session)
    with pytest.raises(TransitionRefused, match="record a finding"):
        advance_stage(session, case, Stage.DISCIPLINARY, None, None, NOW)
    assert _counts(session) == before
    record_findings(session, case, {case.allegations[0].id: Finding.SUFFICIENT}, None, NOW)
    advance_stage(session, case, Stage.DISCIPLINARY, None, None, NOW)
    before = _counts(session)
    with pytest.raises(TransitionRefused, match="needs the decision recorded"):
        advance_stage(session, case, Stage.CLOSED, Outcome.SUBSTANTIATED, None, NOW)
    with pytest.raises(ValidationFailed) as caught:
        record_decision(session, case, [], None, NOW + timedelta(days=1), NOW, None, NOW)
    assert set(caught.value.errors) == {"decided_at", "notified_at"}
    assert _counts(session) == before


def test_adopting_new_guidance_moves_no_existing_deadline(session: Session, keys: Keys) -> None:
    base = default_version()
    faster = dataclasses.replace(
        base,
        version="2099.1",
        timelines=tuple(
            dataclasses.replace(rule, target=1, amber=1, red=1)
            if rule.key == "acknowledge_receipt"
            else rule
            for rule in base.timelines
        ),
    )
    register_version(faster)
    entity = make_entity(session, NOW)
    old_case = make_case_received_at(session, keys, entity, RECEIVED, NOW)
    old_due = {row.key: row.due_at for row in old_case.deadlines}
    with pytest.raises(ValidationFailed):
        adopt_guidance(session, entity, "1999.9")
    adopt_guidance(session, entity, "2099.1")
    recompute_deadlines(session, old_case, NOW)
    log_step(session, keys, old_case, "note", None, NOW, None, NOW)
    assert old_case.guidance_version == base.version
    assert {row.key: row.due_at for row in old_case.deadlines} == old_due
    new_case = make_case_received_at(session, keys, entity, RECEIVED, NOW)
    assert new_case.guidance_version == "2099.1"
    new_due = {row.key: row.due_at for row in new_case.deadlines}
    assert new_due["acknowledge_receipt"] == RECEIVED + timedelta(days=1)
    assert old_due["acknowledge_receipt"] == RECEIVED + timedelta(days=2)


def test_unknown_step_kind_is_refused(session: Session, keys: Keys) -> None:
    entity = make_entity(session, NOW)
    case = make_case_received_at(session, keys, entity, RECEIVED, NOW)
    with pytest.raises(ValidationFailed) as caught:
        log_step(session, keys, case, "teleport", None, NOW + timedelta(days=1), None, NOW)
    assert set(caught.value.errors) == {"kind", "occurred_at"}
