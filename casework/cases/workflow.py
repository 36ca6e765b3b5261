"""The one function that changes a case's stage: guards, history, deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from casework.cases.models import Case, Outcome, Stage, StageChange
from casework.cases.stages import TransitionFacts, refusal
from casework.errors import TransitionRefused


def transition_facts(case: Case, decision_recorded: bool) -> TransitionFacts:
    """Gather what the guards need from a case."""
    return TransitionFacts(
        findings=tuple(a.finding for a in case.allegations),
        decision_recorded=decision_recorded,
    )


def advance_stage(
    session: Session,
    case: Case,
    target: Stage,
    outcome: Outcome | None,
    actor_id: int | None,
    now: datetime,
    decision_recorded: bool = False,
) -> StageChange:
    """Move a case to another stage if the rules allow it; write history; close if asked."""
    reason = refusal(case.stage, target, outcome, transition_facts(case, decision_recorded))
    if reason is not None:
        raise TransitionRefused(f"case {case.id}: {reason}")
    change = StageChange(
        case_id=case.id,
        from_stage=case.stage,
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
    return change
