"""The one function that changes a case's stage (guards, history, events, deadlines), and the
records its guards depend on: findings per allegation and the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.decision_models import Decision, DisciplinaryMeasure, NonDisciplinaryMeasure
from casework.cases.models import Case, Finding, Outcome, Stage, StageChange
from casework.cases.stages import TransitionFacts, refusal
from casework.cases.timeline import event_times, recompute_deadlines, record_event
from casework.clearcheck.services import record_screening, screening_reason
from casework.errors import TransitionRefused, ValidationFailed
from casework.guidance import CaseEvent
from casework.keys.services import Keys

# Timeline events a stage change records, in order, when they have not happened yet.
_EVENTS_ON_ENTRY: dict[tuple[Stage, Stage], tuple[CaseEvent, ...]] = {
    (Stage.INTAKE, Stage.ASSESSMENT): (CaseEvent.ASSESSMENT_STARTED,),
    (Stage.ASSESSMENT, Stage.INVESTIGATION): (
        CaseEvent.ASSESSMENT_DECIDED,
        CaseEvent.INVESTIGATION_ASSIGNED,
    ),
    (Stage.INVESTIGATION, Stage.REFERRAL): (CaseEvent.FINAL_REPORT,),
    (Stage.REFERRAL, Stage.DISCIPLINARY): (CaseEvent.REFERRED,),
    (Stage.ASSESSMENT, Stage.CLOSED): (CaseEvent.ASSESSMENT_DECIDED, CaseEvent.CLOSED),
}


def decision_of(session: Session, case: Case) -> Decision | None:
    """Return the decision recorded on a case, if any."""
    return session.scalar(select(Decision).where(Decision.case_id == case.id))


def transition_facts(session: Session, case: Case) -> TransitionFacts:
    """Gather what the guards need from a case."""
    return TransitionFacts(
        findings=tuple(a.finding for a in case.allegations),
        decision_recorded=decision_of(session, case) is not None,
    )


def transition_refusal(
    session: Session, case: Case, target: Stage, outcome: Outcome | None
) -> str | None:
    """Return why moving a case to `target` would be refused, or None if it is allowed."""
    return refusal(case.stage, target, outcome, transition_facts(session, case))


def advance_stage(
    session: Session,
    case: Case,
    target: Stage,
    outcome: Outcome | None,
    actor_id: int | None,
    now: datetime,
) -> StageChange:
    """Move a case to another stage if the rules allow it; write history, events, deadlines."""
    reason = transition_refusal(session, case, target, outcome)
    if reason is not None:
        raise TransitionRefused(f"case {case.id}: {reason}")
    source = case.stage
    change = StageChange(
        case_id=case.id,
        from_stage=source,
        to_stage=target,
        changed_at=now,
        actor_id=actor_id,
        outcome=outcome,
    )
    session.add(change)
    case.stage = target
    if target is Stage.CLOSED:
        case.closed_at = now
        case.outcome = outcome
    session.flush()
    happened = event_times(session, case.id)
    names = _EVENTS_ON_ENTRY.get(
        (source, target), (CaseEvent.CLOSED,) if target is Stage.CLOSED else ()
    )
    for name in names:
        if name.value not in happened:
            record_event(session, case, name.value, now, actor_id, now)
    record_event(
        session,
        case,
        f"stage:{target.value}",
        now,
        actor_id,
        now,
        from_stage=source.value,
        outcome=outcome.value if outcome else None,
    )
    recompute_deadlines(session, case, now)
    return change


def record_findings(
    session: Session,
    case: Case,
    findings: Mapping[int, Finding],
    actor_id: int | None,
    now: datetime,
) -> None:
    """Record a finding for allegations of a case (keys are allegation ids)."""
    by_id = {allegation.id: allegation for allegation in case.allegations}
    errors = {
        f"finding_{allegation_id}": "is not an allegation of this case"
        for allegation_id in findings
        if allegation_id not in by_id
    }
    if case.stage is not Stage.REFERRAL:
        errors["stage"] = "findings are recorded when the report is reviewed (referral stage)"
    if errors:
        raise ValidationFailed(errors)
    for allegation_id, finding in findings.items():
        by_id[allegation_id].finding = finding
    session.flush()
    record_event(session, case, "findings_recorded", now, actor_id, now)


def record_decision(
    session: Session,
    case: Case,
    measures: Sequence[DisciplinaryMeasure],
    non_disciplinary: NonDisciplinaryMeasure | None,
    decided_at: datetime,
    notified_at: datetime | None,
    actor_id: int | None,
    now: datetime,
    keys: Keys | None = None,
) -> Decision:
    """Record the decision on a case in the disciplinary stage; separation feeds ClearCheck.

    `keys` is needed when the decision separates or dismisses the subject (screening record).
    """
    errors: dict[str, str] = {}
    if case.stage is not Stage.DISCIPLINARY:
        errors["stage"] = "a decision is recorded in the disciplinary stage"
    if decision_of(session, case) is not None:
        errors["decision"] = "has already been recorded"
    if decided_at > now:
        errors["decided_at"] = "cannot be in the future"
    if notified_at is not None and notified_at < decided_at:
        errors["notified_at"] = "cannot be before the decision"
    if notified_at is not None and notified_at > now:
        errors["notified_at"] = "cannot be in the future"
    if errors:
        raise ValidationFailed(errors)
    decision = Decision(
        case_id=case.id,
        measures=",".join(dict.fromkeys(m.value for m in measures)),
        non_disciplinary=non_disciplinary,
        decided_at=decided_at,
        notified_at=notified_at,
        decided_by=actor_id,
    )
    session.add(decision)
    session.flush()
    record_event(
        session,
        case,
        CaseEvent.DECISION.value,
        decided_at,
        actor_id,
        now,
        measures=[m.value for m in decision.measure_list()],
    )
    if notified_at is not None:
        record_event(session, case, "decision_notified", notified_at, actor_id, now)
    reason = screening_reason(decision)
    if reason is not None:
        if keys is None:
            raise ValueError("keys are needed to record a separation for ClearCheck")
        record_screening(session, keys, case, reason, decided_at, now)
    recompute_deadlines(session, case, now)
    return decision


def record_decision_notice(
    session: Session, case: Case, notified_at: datetime, actor_id: int | None, now: datetime
) -> Decision:
    """Record when the subject was notified of the decision; the appeal windows run from it."""
    # Locked, so two clerks recording the notice at once cannot both pass the check.
    decision = session.scalar(select(Decision).where(Decision.case_id == case.id).with_for_update())
    if decision is None:
        raise ValidationFailed({"notified_at": "record the decision before its notification"})
    if decision.notified_at is not None:
        raise ValidationFailed(
            {"notified_at": f"was already recorded ({decision.notified_at:%d %b %Y %H:%M} UTC)"}
        )
    if notified_at > now:
        raise ValidationFailed({"notified_at": "cannot be in the future"})
    if notified_at < decision.decided_at:
        raise ValidationFailed(
            {
                "notified_at": "cannot be before the decision "
                f"({decision.decided_at:%d %b %Y %H:%M} UTC)"
            }
        )
    decision.notified_at = notified_at
    session.flush()
    record_event(session, case, "decision_notified", notified_at, actor_id, now)
    return decision
