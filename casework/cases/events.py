"""Domain events: the workflow announces what happened; other domains listen in-transaction.

Every event carries the case id, the instant it happened (`at`) and the actor. Names emitted:

Guidance timeline events (casework.guidance.CaseEvent values; stored in `case_events`, they
start and stop the clocks):
- ``received``: open_case, at the report's received_at.
- ``acknowledged``, ``safety_triaged``, ``interim_measures_decided``, ``final_report``,
  ``memorandum_issued``, ``response_received``: log_step of the matching kind (acknowledgement,
  safety_triage, interim_measure, final_report, memorandum, subject_response), at occurred_at.
- ``assessment_started``: advance_stage intake -> assessment.
- ``assessment_decided`` + ``investigation_assigned``: advance_stage assessment -> investigation
  (``assessment_decided`` also on closing from assessment).
- ``final_report``: advance_stage investigation -> referral, unless already logged as a step.
- ``referred``: advance_stage referral -> disciplinary.
- ``decision``: record_decision, at decided_at (details: measures).
- ``closed``: advance_stage to closed.
- ``extension_granted``: decide_extension approving (details: extension_id, deadline_key).

Workflow events (not clock events; emitted only, except as noted):
- ``step:<kind>``: every log_step (details: step_id), before its timeline event if any.
- ``stage:<stage>``: every advance_stage, after its timeline events (details: from_stage,
  outcome).
- ``findings_recorded``: record_findings.
- ``decision_notified``: record_decision with a notification date, or
  record_decision_notice later, at notified_at (the subject's appeal windows run from it).
- ``clock_stop_requested``, ``clock_stopped`` (approved, at the stop's start),
  ``clock_stop_refused``, ``clock_restarted`` (at the stop's end): clock-stop services.
- ``extension_requested``, ``extension_refused``: extension services.
- ``evidence_stored``: store_evidence (details: evidence_id).
- ``clearcheck_recorded``: a screening record was produced (details: record_id).

Listeners run inside the same session and transaction as the change that caused the event, so a
notification or alert written by a listener commits or rolls back with the change (the
transactional outbox). The cases package never imports its listeners: they register themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CaseEvent:
    """Something that happened to a case: a name from casework.guidance.CaseEvent or a step."""

    name: str
    case_id: int
    at: datetime
    actor_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Session, CaseEvent], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register a listener for every case event (usable as a decorator); idempotent."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unlisten(listener: Listener) -> None:
    """Remove a listener registered with `listen` (tests use it to clean up)."""
    if listener in _listeners:
        _listeners.remove(listener)


def emit(session: Session, event: CaseEvent) -> None:
    """Announce an event to every listener, in the caller's transaction."""
    for listener in list(_listeners):
        listener(session, event)
