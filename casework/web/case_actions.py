"""The forms of the case page: log a step, move the stage, findings, decision, clock stops,
extensions and evidence. Each view checks the role, calls one service and commits once; invalid
input re-renders the case page with every error (400) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, abort, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from casework.boundary import app_keys, now, session
from casework.cases.clock_models import ClockStop, Extension, StopReasonCode
from casework.cases.clocks import (
    decide_clock_stop,
    decide_extension,
    end_clock_stop,
    request_clock_stop,
    request_extension,
)
from casework.cases.decision_models import DisciplinaryMeasure, NonDisciplinaryMeasure
from casework.cases.evidence import MAX_EVIDENCE_BYTES, store_evidence
from casework.cases.models import Case, Finding, Outcome, Stage
from casework.cases.services import log_step
from casework.cases.workflow import (
    advance_stage,
    record_decision,
    record_decision_notice,
    record_findings,
)
from casework.errors import AccessDenied, TransitionRefused, ValidationFailed
from casework.identity.access import can, case_for_user
from casework.identity.actor import Actor
from casework.web.auth import client_address, current_actor, login_required
from casework.web.case_forms import (
    optional_text,
    parse_choice,
    parse_instant,
    parse_positive_int,
    text,
)
from casework.web.case_pages import render_case_page

blueprint = Blueprint("case_actions", __name__, url_prefix="/cases")

Action = Callable[[Session, Case, Actor, datetime], None]


def _run(
    case_id: int, permission: str, form_name: str, action: Action
) -> BaseResponse | tuple[str, int]:
    """Load the case for the user, check the role, run the action and commit, or re-render."""
    user, db, moment = current_actor(), session(), now()
    case = case_for_user(db, user, case_id, permission, client_address(), moment)
    if not can(user, permission, case):
        raise AccessDenied(f"case {case_id}: {permission}")
    if case.shredded_at is not None:
        abort(410, description=f"Case {case_id} was crypto-shredded under the retention policy.")
    try:
        action(db, case, user, moment)
    except (ValidationFailed, TransitionRefused) as failed:
        db.rollback()
        case = case_for_user(db, user, case_id, "case.read", client_address(), moment)
        if isinstance(failed, ValidationFailed):
            page = render_case_page(
                db, case, user, moment, failed.errors, form_name, request.form, status=400
            )
        else:
            page = render_case_page(
                db, case, user, moment, None, form_name, request.form, str(failed), status=409
            )
        db.commit()
        return page
    db.commit()
    return redirect(url_for("cases.case_page", case_id=case_id) + f"#{form_name}")


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors)


@blueprint.post("/<int:case_id>/steps")
@login_required
def add_step(case_id: int) -> BaseResponse | tuple[str, int]:
    """Log a step (interview, evidence received, note, acknowledgement, ...)."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        occurred_at = parse_instant(request.form, "occurred_at", errors)
        kind = text(request.form, "kind")
        if not kind:
            errors["kind"] = "choose the kind of step"
        _check(errors)
        assert occurred_at is not None
        log_step(
            db,
            app_keys(),
            case,
            kind,
            optional_text(request.form, "narrative"),
            occurred_at,
            user.id,
            moment,
        )

    return _run(case_id, "case.log_step", "step", action)


@blueprint.post("/<int:case_id>/stage")
@login_required
def move_stage(case_id: int) -> BaseResponse | tuple[str, int]:
    """Move the case to another stage (closing needs an outcome)."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        target = parse_choice(request.form, "target", Stage, errors)
        outcome = parse_choice(request.form, "outcome", Outcome, errors, required=False)
        if target is Stage.CLOSED and outcome is None:
            errors["outcome"] = "closing needs an outcome"
        _check(errors)
        assert target is not None
        advance_stage(db, case, target, outcome, user.id, moment)

    return _run(case_id, "case.advance", "stage", action)


@blueprint.post("/<int:case_id>/findings")
@login_required
def findings(case_id: int) -> BaseResponse | tuple[str, int]:
    """Record a finding for every allegation after the report is reviewed."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        chosen: dict[int, Finding] = {}
        for allegation in case.allegations:
            found = parse_choice(request.form, f"finding_{allegation.id}", Finding, errors)
            if found is not None:
                chosen[allegation.id] = found
        _check(errors)
        record_findings(db, case, chosen, user.id, moment)

    return _run(case_id, "case.advance", "findings", action)


@blueprint.post("/<int:case_id>/decision")
@login_required
def decision(case_id: int) -> BaseResponse | tuple[str, int]:
    """Record the decision maker's decision: measures, non-disciplinary measure, dates."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        measures = []
        for value in request.form.getlist("measure"):
            try:
                measures.append(DisciplinaryMeasure(value))
            except ValueError:
                errors["measure"] = "choose among the listed measures"
        other = parse_choice(
            request.form, "non_disciplinary", NonDisciplinaryMeasure, errors, required=False
        )
        decided_at = parse_instant(request.form, "decided_at", errors)
        notified_at = parse_instant(request.form, "notified_at", errors, required=False)
        _check(errors)
        assert decided_at is not None
        record_decision(
            db, case, measures, other, decided_at, notified_at, user.id, moment, keys=app_keys()
        )

    return _run(case_id, "decision.record", "decision", action)


@blueprint.post("/<int:case_id>/decision/notification")
@login_required
def decision_notification(case_id: int) -> BaseResponse | tuple[str, int]:
    """Record when the subject was notified of the decision (the appeal windows start)."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        notified_at = parse_instant(request.form, "subject_notified_at", errors)
        _check(errors)
        assert notified_at is not None
        try:
            record_decision_notice(db, case, notified_at, user.id, moment)
        except ValidationFailed as failed:
            raise ValidationFailed(
                {"subject_notified_at": "; ".join(failed.errors.values())}
            ) from None

    return _run(case_id, "decision.notify", "notification", action)


@blueprint.post("/<int:case_id>/clock-stops")
@login_required
def ask_clock_stop(case_id: int) -> BaseResponse | tuple[str, int]:
    """Ask for the case's clocks to stop."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        reason = parse_choice(request.form, "stop_reason", StopReasonCode, errors)
        started_at = parse_instant(request.form, "started_at", errors)
        _check(errors)
        request_clock_stop(db, case, reason, started_at, user.id, moment)

    return _run(case_id, "case.log_step", "clock-stop", action)


def _stop_of(db: Session, stop_id: int, case: Case) -> ClockStop:
    stop = db.get(ClockStop, stop_id)
    if stop is None or stop.case_id != case.id:
        raise TransitionRefused(f"case {case.id}: no clock stop {stop_id}")
    return stop


def _extension_of(db: Session, extension_id: int, case: Case) -> Extension:
    extension = db.get(Extension, extension_id)
    if extension is None or extension.case_id != case.id:
        raise TransitionRefused(f"case {case.id}: no extension {extension_id}")
    return extension


def _approve(errors: dict[str, str]) -> bool:
    choice = text(request.form, "decision")
    if choice not in ("approve", "refuse"):
        errors["decision"] = "choose approve or refuse"
    return choice == "approve"


@blueprint.post("/<int:case_id>/clock-stops/<int:stop_id>/decision")
@login_required
def decide_stop(case_id: int, stop_id: int) -> BaseResponse | tuple[str, int]:
    """Approve or refuse a clock stop (supervisors only)."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        approve = _approve(errors)
        _check(errors)
        stop = _stop_of(db, stop_id, case)
        decide_clock_stop(db, case, stop, approve, user.id, moment)

    return _run(case_id, "clock_stop.approve", "clock-stop", action)


@blueprint.post("/<int:case_id>/clock-stops/<int:stop_id>/end")
@login_required
def end_stop(case_id: int, stop_id: int) -> BaseResponse | tuple[str, int]:
    """Restart the clocks at the end of a stop."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        ended_at = parse_instant(request.form, "ended_at", errors)
        _check(errors)
        stop = _stop_of(db, stop_id, case)
        end_clock_stop(db, case, stop, ended_at, user.id, moment)

    return _run(case_id, "case.log_step", "clock-stop", action)


@blueprint.post("/<int:case_id>/extensions")
@login_required
def ask_extension(case_id: int) -> BaseResponse | tuple[str, int]:
    """Ask for a deadline to be extended, with a reason."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        amount = parse_positive_int(request.form, "amount", errors)
        reason = text(request.form, "reason")
        if not reason:
            errors["reason"] = "an extension needs a reason"
        key = text(request.form, "deadline_key")
        if not key:
            errors["deadline_key"] = "choose the deadline to extend"
        _check(errors)
        request_extension(db, app_keys(), case, key, amount, reason, user.id, moment)

    return _run(case_id, "extension.request", "extension", action)


@blueprint.post("/<int:case_id>/extensions/<int:extension_id>/decision")
@login_required
def decide_ext(case_id: int, extension_id: int) -> BaseResponse | tuple[str, int]:
    """Approve or refuse an extension (supervisors only)."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        errors: dict[str, str] = {}
        approve = _approve(errors)
        _check(errors)
        extension = _extension_of(db, extension_id, case)
        decide_extension(db, case, extension, approve, user.id, moment)

    return _run(case_id, "extension.approve", "extension", action)


@blueprint.post("/<int:case_id>/evidence")
@login_required
def upload_evidence(case_id: int) -> BaseResponse | tuple[str, int]:
    """Upload an evidence file: checked by content, hashed and encrypted in chunks."""

    def action(db: Session, case: Case, user: Actor, moment: datetime) -> None:
        upload = request.files.get("file")
        content = upload.stream.read(MAX_EVIDENCE_BYTES + 1) if upload else b""
        store_evidence(
            db,
            app_keys(),
            case,
            content,
            optional_text(request.form, "description"),
            user.id,
            moment,
        )

    return _run(case_id, "case.log_step", "evidence", action)
