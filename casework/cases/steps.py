"""The kinds of step an investigator logs, and the timeline event each one records. Pure."""

from __future__ import annotations

import enum

from casework.guidance import CaseEvent


class StepKind(enum.Enum):
    """What a logged step is; the value is stored in CaseStep.kind."""

    ACKNOWLEDGEMENT = "acknowledgement"
    SAFETY_TRIAGE = "safety_triage"
    INTERIM_MEASURE = "interim_measure"
    CONTACT_AFFECTED = "contact_affected"
    INTERVIEW = "interview"
    EVIDENCE_RECEIVED = "evidence_received"
    NOTE = "note"
    FINAL_REPORT = "final_report"
    MEMORANDUM = "memorandum"
    SUBJECT_RESPONSE = "subject_response"
    DECISION_NOTIFIED = "decision_notified"
    SUBJECT_DEPARTED = "subject_departed"
    MESSAGE_FROM_AFFECTED = "message_from_affected"
    RETALIATION_REPORT = "retaliation_report"


STEP_LABELS: dict[StepKind, str] = {
    StepKind.ACKNOWLEDGEMENT: "Acknowledgement of receipt sent",
    StepKind.SAFETY_TRIAGE: "Safety triage done",
    StepKind.INTERIM_MEASURE: "Interim-measures decision",
    StepKind.CONTACT_AFFECTED: "Contact with the affected person",
    StepKind.INTERVIEW: "Interview",
    StepKind.EVIDENCE_RECEIVED: "Evidence received",
    StepKind.NOTE: "Note",
    StepKind.FINAL_REPORT: "Final investigation report",
    StepKind.MEMORANDUM: "Allegations memorandum issued",
    StepKind.SUBJECT_RESPONSE: "Subject's response received",
    StepKind.DECISION_NOTIFIED: "Decision notified to the subject",
    StepKind.SUBJECT_DEPARTED: "Subject left the organisation",
    StepKind.MESSAGE_FROM_AFFECTED: "Message from the affected person",
    StepKind.RETALIATION_REPORT: "Retaliation reported",
}

# The timeline event a step records when logged (its instant is the step's occurred_at).
STEP_EVENTS: dict[StepKind, CaseEvent] = {
    StepKind.ACKNOWLEDGEMENT: CaseEvent.ACKNOWLEDGED,
    StepKind.SAFETY_TRIAGE: CaseEvent.SAFETY_TRIAGED,
    StepKind.INTERIM_MEASURE: CaseEvent.INTERIM_MEASURES_DECIDED,
    StepKind.FINAL_REPORT: CaseEvent.FINAL_REPORT,
    StepKind.MEMORANDUM: CaseEvent.MEMORANDUM_ISSUED,
    StepKind.SUBJECT_RESPONSE: CaseEvent.RESPONSE_RECEIVED,
}


def step_label(kind: str) -> str:
    """Return a readable label for a stored step kind."""
    try:
        return STEP_LABELS[StepKind(kind)]
    except ValueError:
        return kind.replace("_", " ").capitalize()
