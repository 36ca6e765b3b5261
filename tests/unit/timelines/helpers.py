"""Shared builders for timeline tests."""

from datetime import UTC, date, datetime

from casework.timelines import ClockStop, Extension, StopReason, WorkingCalendar

# An entity holiday on Monday 9 March 2026, right after the weekend of 7-8 March.
HOLIDAY = date(2026, 3, 9)
CALENDAR = WorkingCalendar(holidays=frozenset({HOLIDAY}))
PLAIN_CALENDAR = WorkingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def stop(started_at: datetime, ended_at: datetime | None) -> ClockStop:
    """An approved stop for sick leave."""
    return ClockStop(
        started_at=started_at,
        ended_at=ended_at,
        reason=StopReason.SUBJECT_SICK_LEAVE,
        approved_by="supervisor-7",
    )


def extension(key: str, amount: int, granted_at: datetime) -> Extension:
    """An approved extension."""
    return Extension(
        deadline_key=key,
        amount=amount,
        reason="witness unavailable",
        approved_by="supervisor-7",
        granted_at=granted_at,
    )


# A case that runs through every stage (dates hand-picked; weekdays noted for working-day rows).
RECEIVED = utc(2026, 3, 6, 15)  # Friday
ACKNOWLEDGED = utc(2026, 3, 10, 9)  # Tuesday (Monday 9th is a holiday)
SAFETY_TRIAGED = utc(2026, 3, 7, 10)
INTERIM_MEASURES_DECIDED = utc(2026, 3, 17, 10)  # a day late
ASSESSMENT_STARTED = utc(2026, 3, 16, 9)
ASSESSMENT_DECIDED = utc(2026, 4, 10, 12)
INVESTIGATION_ASSIGNED = utc(2026, 4, 15, 10)
FINAL_REPORT = utc(2026, 7, 10, 16)
REFERRED = utc(2026, 8, 3, 11)
MEMORANDUM_ISSUED = utc(2026, 8, 25, 12)
RESPONSE_RECEIVED = utc(2026, 9, 7, 8)
DECISION = utc(2026, 10, 1, 14)

FULL_CASE = {
    "received": RECEIVED,
    "acknowledged": ACKNOWLEDGED,
    "safety_triaged": SAFETY_TRIAGED,
    "interim_measures_decided": INTERIM_MEASURES_DECIDED,
    "assessment_started": ASSESSMENT_STARTED,
    "assessment_decided": ASSESSMENT_DECIDED,
    "investigation_assigned": INVESTIGATION_ASSIGNED,
    "final_report": FINAL_REPORT,
    "referred": REFERRED,
    "memorandum_issued": MEMORANDUM_ISSUED,
    "response_received": RESPONSE_RECEIVED,
    "decision": DECISION,
}
