"""Building the case page: everything an investigator sees about one case, decrypted."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy.orm import Session

from casework import timelines
from casework.boundary import app_keys
from casework.cases.case_file import read_case_file
from casework.cases.clock_models import ClockStop, Extension, RequestStatus, StopReasonCode
from casework.cases.clocks import extension_reason
from casework.cases.dashboard import DeadlineState, deadline_state
from casework.cases.decision_models import Decision, DisciplinaryMeasure, NonDisciplinaryMeasure
from casework.cases.evidence import ACCEPTED_TYPES, MAX_EVIDENCE_BYTES
from casework.cases.models import Case, Deadline, Finding, Stage
from casework.cases.records import StepView
from casework.cases.stages import CLOSING_OUTCOMES, FORWARD
from casework.cases.steps import STEP_LABELS, step_label
from casework.cases.timeline import (
    approved_of,
    case_guidance,
    computed_deadlines,
    open_stop_starts,
)
from casework.guidance import AppealAnchor
from casework.guidance import Stage as GuidanceStage
from casework.identity.access import can
from casework.identity.actor import Grantee


@dataclass(frozen=True)
class DeadlineLine:
    """A deadline as shown on the case page; `held` while an open clock stop moves it."""

    row: Deadline
    title: str
    state: DeadlineState
    held: bool = False


@dataclass(frozen=True)
class ExtensionLine:
    """An extension request with its decrypted reason."""

    row: Extension
    reason: str
    title: str


def _as_of_now(row: Deadline, computed: timelines.ComputedDeadline) -> Deadline:
    # A transient copy (never added to the session): the page shows it, nothing stores it.
    return Deadline(
        case_id=row.case_id,
        key=row.key,
        starts_at=computed.starts_at,
        due_at=computed.due_at,
        amber_at=computed.amber_at,
        red_at=computed.red_at,
        ceiling_at=computed.ceiling_at,
        met_at=computed.met_at,
        next_alert_at=None,
    )


def _deadline_lines(
    session: Session, case: Case, now: datetime, rows: list[Deadline], stop_rows: list[ClockStop]
) -> list[DeadlineLine]:
    guidance = case_guidance(case)
    titles = {rule.key: rule.title for rule in guidance.timelines}
    stops = approved_of(stop_rows)
    holding = open_stop_starts(stops)
    if not holding:
        return [
            DeadlineLine(row, titles.get(row.key, row.key), deadline_state(row, now))
            for row in rows
        ]
    # A stop is in force: the stored dates are as of the last change or refresh, and the held
    # ones have moved since; show where every deadline stands now, without writing anything.
    live = {computed.key: computed for computed in computed_deadlines(session, case, now, stops)}
    lines = []
    for row in rows:
        computed = live.get(row.key)
        shown = row if computed is None else _as_of_now(row, computed)
        held = computed is not None and timelines.held_by_stop(computed, holding)
        lines.append(
            DeadlineLine(shown, titles.get(row.key, row.key), deadline_state(shown, now), held)
        )
    return sorted(lines, key=lambda line: line.row.due_at)


@dataclass(frozen=True, slots=True)
class StepLine:
    """A step as the timeline shows it: everything the template prints, worked out once."""

    iso: str
    when: str
    label: str
    narrative: str | None


def _step_lines(steps: tuple[StepView, ...]) -> list[StepLine]:
    # A long log repeats a few kinds: look each label up once. Same text as strftime's
    # '%d %b %Y %H:%M' (C locale), without a strftime call per row.
    labels: dict[str, str] = {}
    lines = []
    for step in steps:
        label = labels.get(step.kind)
        if label is None:
            label = labels[step.kind] = step_label(step.kind)
        at = step.occurred_at
        when = f"{at.day:02d} {_MONTHS[at.month - 1]} {at.year} {at.hour:02d}:{at.minute:02d}"
        lines.append(StepLine(at.isoformat(), when, label, step.narrative))
    return lines


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class AppealLine:
    """One appeal window after the decision was notified, with where it stands in words."""

    window: timelines.AppealDeadline
    open: bool
    detail: str


def _appeal_lines(case: Case, decision: Decision | None, now: datetime) -> list[AppealLine]:
    if decision is None or decision.notified_at is None:
        return []
    windows = timelines.appeal_deadlines(
        case_guidance(case), AppealAnchor.DECISION_NOTIFIED, decision.notified_at
    )
    lines = []
    for window in windows:
        last_day = f"{window.last_day:%a %d %b %Y}"
        if now >= window.closes_at:
            lines.append(AppealLine(window, False, f"the last day to file was {last_day}"))
            continue
        days = (window.last_day - now.date()).days
        when = "today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")
        lines.append(AppealLine(window, True, f"the last day to file is {when}, {last_day}"))
    return lines


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
    user: Grantee,
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
    record = read_case_file(session, keys, case)
    view, stops, decision = record.view, record.clock_stops, record.decision
    page = render_template(
        "cases/case.html",
        case=case,
        view=view,
        steps=_step_lines(view.steps),
        deadlines=_deadline_lines(session, case, now, record.deadlines, stops),
        checklist=_checklist(case),
        stage_changes=record.stage_changes,
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
        decision=decision,
        appeal_windows=_appeal_lines(case, decision, now),
        stops=stops,
        extensions=[
            ExtensionLine(e, extension_reason(session, keys, e), titles.get(e.deadline_key, ""))
            for e in record.extensions
        ],
        evidence=record.evidence,
        accepted_types=", ".join(t.label for t in ACCEPTED_TYPES),
        max_evidence_mib=MAX_EVIDENCE_BYTES // (1024 * 1024),
        requested=RequestStatus.REQUESTED,
        approved=RequestStatus.APPROVED,
        may_approve=can(user, "extension.approve", case),
        may_approve_stop=can(user, "clock_stop.approve", case),
        may_decide=can(user, "decision.record", case),
        may_notify=can(user, "decision.notify", case),
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
