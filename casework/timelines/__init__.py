"""Pure deadline arithmetic: dates + guidance -> deadlines, statuses, alerts and appeal windows.

Every datetime is timezone-aware UTC, and `now` is always passed in.
"""

from casework.timelines.alerts import (
    Threshold,
    crossed_thresholds,
    held_by_stop,
    next_alert_at,
    threshold_instants,
)
from casework.timelines.appeals import AppealDeadline, appeal_deadline, appeal_deadlines
from casework.timelines.calendar import WorkingCalendar
from casework.timelines.clock import ClockStop, StopReason, run_clock
from casework.timelines.deadlines import (
    CaseEvents,
    ComputedDeadline,
    DeadlineStatus,
    Extension,
    check_extensions,
    check_new_extension,
    compute_deadlines,
    next_deadline,
    status,
)
from casework.timelines.errors import ExtensionRejected, InvalidClockStop, TimelineError
from casework.timelines.recurrence import milestone_due_dates, next_repeat_due, next_review_due

__all__ = [
    "AppealDeadline",
    "CaseEvents",
    "ClockStop",
    "ComputedDeadline",
    "DeadlineStatus",
    "Extension",
    "ExtensionRejected",
    "InvalidClockStop",
    "StopReason",
    "Threshold",
    "TimelineError",
    "WorkingCalendar",
    "appeal_deadline",
    "appeal_deadlines",
    "check_extensions",
    "check_new_extension",
    "compute_deadlines",
    "crossed_thresholds",
    "held_by_stop",
    "milestone_due_dates",
    "next_alert_at",
    "next_deadline",
    "next_repeat_due",
    "next_review_due",
    "run_clock",
    "status",
    "threshold_instants",
]
