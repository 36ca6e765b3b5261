"""Closed vocabularies that guidance files may use: events, clock units, stages, appeal anchors."""

from enum import StrEnum


class CaseEvent(StrEnum):
    """Something that happened to a case at a recorded instant; clocks start and stop on these."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    SAFETY_TRIAGED = "safety_triaged"
    INTERIM_MEASURES_DECIDED = "interim_measures_decided"
    ASSESSMENT_STARTED = "assessment_started"
    ASSESSMENT_DECIDED = "assessment_decided"
    INVESTIGATION_ASSIGNED = "investigation_assigned"
    EXTENSION_GRANTED = "extension_granted"
    FINAL_REPORT = "final_report"
    REFERRED = "referred"
    MEMORANDUM_ISSUED = "memorandum_issued"
    RESPONSE_RECEIVED = "response_received"
    DECISION = "decision"
    DECISION_FINAL = "decision_final"
    CLOSED = "closed"


class ClockUnit(StrEnum):
    """How a clock counts: every calendar day, only the entity's working days, or hours."""

    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    HOURS = "hours"


class Stage(StrEnum):
    """The open stages of a case (domain.md section 3); checklists and timeline rows use them."""

    INTAKE = "intake"
    ASSESSMENT = "assessment"
    INVESTIGATION = "investigation"
    REFERRAL = "referral"
    DISCIPLINARY = "disciplinary"


class AppealAnchor(StrEnum):
    """The notification an appeal window is counted from."""

    DECISION_NOTIFIED = "decision_notified"
    UNDT_JUDGMENT_NOTIFIED = "undt_judgment_notified"
