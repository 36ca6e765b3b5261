"""Registers the notification listeners on case events (imported by create_app)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.cases.events import CaseEvent, listen
from casework.cases.models import Case
from casework.notifications.rules import on_case_event
from casework.notifications.scans import raise_alert

# Events from the affected person that staff must see: (alert key prefix, threshold). Amber goes
# to the case owner, red to the supervisors (see recipients.threshold_recipients).
PERSON_ALERTS = {
    "step:message_from_affected": ("message", "amber"),
    "retaliation_reported": ("retaliation", "red"),
}


def on_affected_person_event(session: Session, event: CaseEvent) -> None:
    """Listener: a message or a retaliation report from the affected person alerts staff."""
    alert = PERSON_ALERTS.get(event.name)
    case = session.get(Case, event.case_id) if alert else None
    if alert is None or case is None:
        return
    prefix, threshold = alert
    step_id = event.details.get("step_id", int(event.at.timestamp()))
    raise_alert(session, case, f"{prefix}:{step_id}", threshold, event.at)


listen(on_case_event)
listen(on_affected_person_event)
