"""Registers the notification listeners on case events (imported by create_app)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.cases.events import CaseEvent, listen
from casework.cases.models import Case
from casework.notifications.rules import on_case_event
from casework.notifications.scans import raise_alert

# Events staff must be told of: (alert key prefix, threshold). Amber goes to the case owner, red
# to the supervisors, ceiling to the head of entity (see recipients.recipients_of_alerts).
PERSON_ALERTS = {
    "step:message_from_affected": ("message", "amber"),
    "retaliation_reported": ("retaliation", "red"),
    "break_glass": ("break_glass", "ceiling"),
}


def on_affected_person_event(session: Session, event: CaseEvent) -> None:
    """Listener: a portal message, a retaliation report or a break-glass opening alerts staff."""
    alert = PERSON_ALERTS.get(event.name)
    case = session.get(Case, event.case_id) if alert else None
    if alert is None or case is None:
        return
    prefix, threshold = alert
    reference = event.details.get("step_id") or event.details.get("grant_id")
    raise_alert(
        session, case, f"{prefix}:{reference or int(event.at.timestamp())}", threshold, event.at
    )


listen(on_case_event)
listen(on_affected_person_event)
