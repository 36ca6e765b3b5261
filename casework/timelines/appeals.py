"""Appeal windows after a notice: calendar days counted from the day after it was received."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from casework.guidance import AppealAnchor, AppealWindow, GuidanceVersion
from casework.timelines._periods import midnight, require_utc
from casework.timelines.calendar import WorkingCalendar


@dataclass(frozen=True)
class AppealDeadline:
    """The days on which one appeal can be filed; it must be filed before `closes_at`."""

    key: str
    title: str
    first_day: date
    last_day: date
    closes_at: datetime


def appeal_deadline(
    window: AppealWindow, notified_at: datetime, registry: WorkingCalendar | None = None
) -> AppealDeadline:
    """The filing period of one window after a notice received at `notified_at` (UTC day).

    With `registry`, a last day that is not a working day of the tribunal's registry moves to
    its next working day, as tribunal rules of procedure usually provide.
    """
    received_on = require_utc(notified_at, "notified_at").date()
    first_day = received_on + timedelta(days=1) if window.counted_from_next_day else received_on
    last_day = first_day + timedelta(days=window.days - 1)
    if registry is not None:
        last_day = registry.next_working_day(last_day)
    return AppealDeadline(
        key=window.key,
        title=window.title,
        first_day=first_day,
        last_day=last_day,
        closes_at=midnight(last_day + timedelta(days=1)),
    )


def appeal_deadlines(
    guidance: GuidanceVersion,
    anchor: AppealAnchor,
    notified_at: datetime,
    registry: WorkingCalendar | None = None,
) -> list[AppealDeadline]:
    """The filing periods of every window counted from this kind of notice, in guidance order."""
    return [
        appeal_deadline(window, notified_at, registry)
        for window in guidance.appeal_windows
        if window.anchor is anchor
    ]
