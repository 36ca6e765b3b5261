"""Clock stops and extensions: requested by the case team, decided by a supervisor.

Who is a supervisor is the caller's question (the boundary asks casework.identity.access); these
services enforce the rules every request must follow and keep the deadlines in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import timelines
from casework.cases.clock_models import ClockStop, Extension, RequestStatus, StopReasonCode
from casework.cases.models import Case, Stage
from casework.cases.timeline import (
    approved_extensions,
    approved_stops,
    case_guidance,
    recompute_deadlines,
    record_event,
)
from casework.errors import TransitionRefused, ValidationFailed
from casework.guidance import CaseEvent
from casework.keys.services import Keys, open_case_cipher

MAX_REASON = 4_000


def _require_open(case: Case) -> None:
    if case.stage is Stage.CLOSED:
        raise TransitionRefused(f"case {case.id} is closed")


def request_clock_stop(
    session: Session,
    case: Case,
    reason: StopReasonCode | None,
    started_at: datetime | None,
    requested_by: int | None,
    now: datetime,
) -> ClockStop:
    """Ask for the case's clocks to stop from `started_at` on one of the recorded grounds."""
    _require_open(case)
    errors: dict[str, str] = {}
    if reason is None:
        errors["reason"] = "choose one of the recorded grounds for stopping the clock"
    if started_at is None:
        errors["started_at"] = "is required"
    elif started_at > now:
        errors["started_at"] = "cannot be in the future"
    elif started_at < case.opened_at:
        errors["started_at"] = "cannot be before the case was received"
    if errors or reason is None or started_at is None:
        raise ValidationFailed(errors)
    stop = ClockStop(
        case_id=case.id,
        started_at=started_at,
        ended_at=None,
        reason=reason,
        status=RequestStatus.REQUESTED,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(stop)
    session.flush()
    record_event(session, case, "clock_stop_requested", now, requested_by, now, stop_id=stop.id)
    return stop


def decide_clock_stop(
    session: Session, case: Case, stop: ClockStop, approve: bool, approver_id: int, now: datetime
) -> ClockStop:
    """Approve or refuse a requested clock stop; an approved stop moves the deadlines."""
    _require_open(case)
    if stop.case_id != case.id or stop.status is not RequestStatus.REQUESTED:
        raise TransitionRefused(f"clock stop {stop.id} is not awaiting a decision")
    if approver_id == stop.requested_by:
        raise TransitionRefused(f"clock stop {stop.id}: the requester cannot approve it")
    stop.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    stop.approved_by = approver_id
    stop.approved_at = now
    session.flush()
    name = "clock_stopped" if approve else "clock_stop_refused"
    record_event(session, case, name, stop.started_at, approver_id, now, stop_id=stop.id)
    recompute_deadlines(session, case, now)
    return stop


def end_clock_stop(
    session: Session,
    case: Case,
    stop: ClockStop,
    ended_at: datetime | None,
    actor_id: int | None,
    now: datetime,
) -> ClockStop:
    """Restart the clocks: close an approved, open clock stop at `ended_at`."""
    if stop.case_id != case.id or stop.status is not RequestStatus.APPROVED or stop.ended_at:
        raise TransitionRefused(f"clock stop {stop.id} is not in force")
    if ended_at is None:
        raise ValidationFailed({"ended_at": "is required"})
    if ended_at > now or ended_at < stop.started_at:
        raise ValidationFailed({"ended_at": "must lie between the start of the stop and now"})
    stop.ended_at = ended_at
    session.flush()
    record_event(session, case, "clock_restarted", ended_at, actor_id, now, stop_id=stop.id)
    recompute_deadlines(session, case, now, rearm=True)
    return stop


def refresh_stopped_deadlines(session: Session, now: datetime) -> int:
    """Recompute the deadlines of open cases whose clocks are stopped; return how many cases.

    While a stop lasts, its case's deadlines move later every moment; this periodic pass keeps
    the stored due dates current (lists show them). Held deadlines stay without a next alert.
    Its cost follows the stops in force, which lock with SKIP LOCKED so two runs never collide.
    """
    stops = session.scalars(
        select(ClockStop)
        .join(Case, Case.id == ClockStop.case_id)
        .where(
            ClockStop.status == RequestStatus.APPROVED,
            ClockStop.ended_at.is_(None),
            Case.closed_at.is_(None),
            Case.shredded_at.is_(None),
        )
        .order_by(ClockStop.case_id, ClockStop.id)
        .with_for_update(skip_locked=True, of=ClockStop)
    ).all()
    case_ids = sorted({stop.case_id for stop in stops})
    for case_id in case_ids:
        case = session.get(Case, case_id)
        if case is not None:
            recompute_deadlines(session, case, now)
    return len(case_ids)


def request_extension(
    session: Session,
    keys: Keys,
    case: Case,
    deadline_key: str,
    amount: int | None,
    reason: str,
    requested_by: int | None,
    now: datetime,
) -> Extension:
    """Ask to extend one deadline; the reason (which may reveal evidence) is encrypted."""
    _require_open(case)
    guidance = case_guidance(case)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "an extension needs a reason"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"must be at most {MAX_REASON} characters"
    if amount is None or amount <= 0:
        errors["amount"] = "must be a whole number greater than 0"
    try:
        guidance.timeline(deadline_key)
    except KeyError:
        errors["deadline_key"] = "choose a deadline of this case"
    if not errors and amount is not None:
        candidate = timelines.Extension(deadline_key, amount, reason, "pending", now)
        try:
            timelines.check_new_extension(
                guidance, approved_extensions(session, case.id), candidate
            )
        except timelines.ExtensionRejected as refused:
            errors["amount"] = str(refused)
    if errors or amount is None:
        raise ValidationFailed(errors)
    cipher = open_case_cipher(session, keys, case.id)
    extension = Extension(
        case_id=case.id,
        deadline_key=deadline_key,
        amount=amount,
        reason_ct=b"",
        status=RequestStatus.REQUESTED,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(extension)
    session.flush()
    extension.reason_ct = cipher.encrypt("extensions", f"reason:{extension.id}", reason)
    session.flush()
    record_event(
        session, case, "extension_requested", now, requested_by, now, extension_id=extension.id
    )
    return extension


def extension_reason(session: Session, keys: Keys, extension: Extension) -> str:
    """Decrypt an extension's reason for a caller allowed to read the case."""
    cipher = open_case_cipher(session, keys, extension.case_id)
    return cipher.decrypt("extensions", f"reason:{extension.id}", extension.reason_ct)


def decide_extension(
    session: Session,
    case: Case,
    extension: Extension,
    approve: bool,
    approver_id: int,
    now: datetime,
) -> Extension:
    """Approve or refuse a requested extension; approval moves the deadline and is reported."""
    _require_open(case)
    if extension.case_id != case.id or extension.status is not RequestStatus.REQUESTED:
        raise TransitionRefused(f"extension {extension.id} is not awaiting a decision")
    if approver_id == extension.requested_by:
        raise TransitionRefused(f"extension {extension.id}: the requester cannot approve it")
    if approve:
        candidate = timelines.Extension(
            extension.deadline_key, extension.amount, "pending", str(approver_id), now
        )
        try:
            timelines.check_new_extension(
                case_guidance(case), approved_extensions(session, case.id), candidate
            )
        except timelines.ExtensionRejected as refused:
            raise TransitionRefused(f"extension {extension.id}: {refused}") from None
    extension.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    extension.approved_by = approver_id
    extension.decided_at = now
    session.flush()
    if approve:
        record_event(
            session,
            case,
            CaseEvent.EXTENSION_GRANTED.value,
            now,
            approver_id,
            now,
            extension_id=extension.id,
            deadline_key=extension.deadline_key,
        )
    else:
        record_event(
            session, case, "extension_refused", now, approver_id, now, extension_id=extension.id
        )
    recompute_deadlines(session, case, now)
    return extension


def stops_in_force(session: Session, case: Case) -> list[timelines.ClockStop]:
    """Return the approved clock stops of a case (for display)."""
    return approved_stops(session, case.id)
