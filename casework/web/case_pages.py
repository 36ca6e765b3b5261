"""Building the case page: everything an investigator sees about one case, decrypted."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.boundary import app_keys
from casework.cases.clock_models import ClockStop, Extension, RequestStatus, StopReasonCode
from casework.cases.clocks import extension_reason
from casework.cases.dashboard import DeadlineState, deadline_state, deadlines_of
from casework.cases.decision_models import DisciplinaryMeasure, NonDisciplinaryMeasure
from casework.cases.evidence import ACCEPTED_TYPES, MAX_EVIDENCE_BYTES, evidence_of
from casework.cases.models import Case, Deadline, Finding, Stage
from casework.cases.services import read_case
from casework.cases.stages import CLOSING_OUTCOMES, FORWARD
from casework.cases.steps import STEP_LABELS, step_label
from casework.cases.timeline import case_guidance
from casework.cases.workflow import decision_of
from casework.guidance import Stage as GuidanceStage
from casework.identity.access import can
from casework.identity.models import StaffUser


@dataclass(frozen=True)
class DeadlineLine:
    """A deadline as shown on the case page."""

    row: Deadline
    title: str
    state: DeadlineState


@dataclass(frozen=True)
class ExtensionLine:
    """An extension request with its decrypted reason."""

    row: Extension
    reason: str
    title: str


def _deadline_lines(session: Session, case: Case, now: datetime) -> list[DeadlineLine]:
    guidance = case_guidance(case)
    titles = {rule.key: rule.title for rule in guidance.timelines}
    return [
        DeadlineLine(row, titles.get(row.key, row.key), deadline_state(row, now))
        for row in deadlines_of(session, case)
    ]


def _options(enum_class: type[enum.Enum]) -> list[tuple[str, str]]:
    return [(m.value, str(m.value).replace("_", " ").capitalize()) for m in enum_class]


def _checklist(case: Case) -> list[str]:
    if case.stage is Stage.CLOSED:
        return []
    checklist = case_guidance(case).checklist(GuidanceStage(case.stage.value))
    return [item.text for item in checklist.items]


def render_case_page(
    session: Session,
    case: Case,
    user: StaffUser,
    now: datetime,
    errors: Mapping[str, str] | None = None,
    form_name: str | None = None,
    values: Mapping[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Render a case page, optionally with one form's errors and the values entered."""
    keys = app_keys()
    guidance = case_guidance(case)
    titles = {rule.key: rule.title for rule in guidance.timelines}
    extensions = list(
        session.scalars(
            select(Extension).where(Extension.case_id == case.id).order_by(Extension.id)
        )
    )
    stops = list(
        session.scalars(
            select(ClockStop).where(ClockStop.case_id == case.id).order_by(ClockStop.id)
        )
    )
    page = render_template(
        "cases/case.html",
        case=case,
        view=read_case(session, keys, case),
        deadlines=_deadline_lines(session, case, now),
        checklist=_checklist(case),
        stage_changes=case.stage_changes,
        step_label=step_label,
        targets=FORWARD[case.stage],
        finding_options=_options(Finding),
        measures=list(DisciplinaryMeasure),
        non_disciplinary_options=_options(NonDisciplinaryMeasure),
        step_options=[(kind.value, label) for kind, label in STEP_LABELS.items()],
        target_options=[
            (s.value, s.value.capitalize())
            for s in sorted(FORWARD[case.stage], key=lambda s: list(Stage).index(s))
        ],
        outcome_options=[
            (o.value, o.value.replace("_", " ").capitalize())
            for o in sorted(CLOSING_OUTCOMES[case.stage], key=lambda o: o.value)
        ],
        stop_options=_options(StopReasonCode),
        extension_options=[
            (rule.key, f"{rule.title} ({rule.unit.value.replace('_', ' ')})")
            for rule in guidance.timelines
            if rule.max_extensions > 0
        ],
        decision=decision_of(session, case),
        stops=stops,
        extensions=[
            ExtensionLine(e, extension_reason(session, keys, e), titles.get(e.deadline_key, ""))
            for e in extensions
        ],
        evidence=evidence_of(session, case),
        accepted_types=", ".join(t.label for t in ACCEPTED_TYPES),
        max_evidence_mib=MAX_EVIDENCE_BYTES // (1024 * 1024),
        requested=RequestStatus.REQUESTED,
        approved=RequestStatus.APPROVED,
        may_approve=can(user, "extension.approve", case),
        may_approve_stop=can(user, "clock_stop.approve", case),
        may_decide=can(user, "decision.record", case),
        may_log=can(user, "case.log_step", case),
        may_advance=can(user, "case.advance", case),
        may_request_extension=can(user, "extension.request", case),
        errors=errors or {},
        form_name=form_name,
        values=values or {},
        message=message,
        now=now,
    )
    return page, status
