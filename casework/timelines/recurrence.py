"""Recurring and milestone due dates: interim-measures reviews, M4 progress cadence, M1..M9."""

from datetime import datetime, timedelta

from casework.guidance import Milestone, TimelineRule
from casework.timelines._periods import require_utc
from casework.timelines.calendar import WorkingCalendar
from casework.timelines.clock import run_clock
from casework.timelines.errors import TimelineError


def next_review_due(
    rule: TimelineRule, decided_at: datetime, last_review_at: datetime | None = None
) -> datetime:
    """When the next periodic review is due: last review (or the decision) + the rule's period."""
    if rule.recurs_every_days is None:
        raise TimelineError(f"deadline '{rule.key}' does not recur")
    return _after_last(decided_at, last_review_at, rule.recurs_every_days)


def next_repeat_due(
    milestone: Milestone, fired_at: datetime, last_sent_at: datetime | None = None
) -> datetime:
    """When a repeating milestone (M4) is next due: last message (or its event) + its cadence.

    Clock stops do not pause it: the affected person is owed news even while nothing moves.
    """
    if milestone.repeat_every_days is None:
        raise TimelineError(f"milestone '{milestone.key}' does not repeat")
    return _after_last(fired_at, last_sent_at, milestone.repeat_every_days)


def milestone_due_dates(
    milestone: Milestone, fired_at: datetime, calendar: WorkingCalendar
) -> tuple[datetime, ...]:
    """Every instant a one-off milestone message is due after its firing event (M9: two)."""
    return tuple(
        run_clock(fired_at, milestone.due_unit, offset, calendar) for offset in milestone.due_after
    )


def _after_last(anchor_at: datetime, last_done_at: datetime | None, every_days: int) -> datetime:
    require_utc(anchor_at, "anchor")
    latest = anchor_at
    if last_done_at is not None:
        latest = max(anchor_at, require_utc(last_done_at, "last done"))
    return latest + timedelta(days=every_days)
