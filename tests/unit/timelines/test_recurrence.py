"""Interim-measures reviews, the M4 progress cadence and milestone due dates."""

import pytest

from casework.guidance import default_version
from casework.timelines import (
    TimelineError,
    WorkingCalendar,
    milestone_due_dates,
    next_repeat_due,
    next_review_due,
)
from tests.unit.timelines.helpers import CALENDAR, PLAIN_CALENDAR, utc

GUIDANCE = default_version()


def test_interim_measures_are_reviewed_30_days_after_the_decision() -> None:
    rule = GUIDANCE.timeline("interim_measures_decision")
    assert next_review_due(rule, utc(2026, 3, 17, 10)) == utc(2026, 4, 16, 10)


def test_the_next_review_counts_from_the_last_review() -> None:
    rule = GUIDANCE.timeline("interim_measures_decision")
    assert next_review_due(rule, utc(2026, 3, 17, 10), utc(2026, 5, 1, 9)) == utc(2026, 5, 31, 9)


def test_a_row_without_recurrence_has_no_review() -> None:
    with pytest.raises(TimelineError, match="'investigation' does not recur"):
        next_review_due(GUIDANCE.timeline("investigation"), utc(2026, 3, 17))


def test_progress_update_is_due_30_days_after_acknowledgement_then_after_each_update() -> None:
    progress = GUIDANCE.milestone("M4")
    assert next_repeat_due(progress, utc(2026, 3, 10, 9)) == utc(2026, 4, 9, 9)
    assert next_repeat_due(progress, utc(2026, 3, 10, 9), utc(2026, 4, 8, 14)) == utc(
        2026, 5, 8, 14
    )


def test_a_one_off_milestone_does_not_repeat() -> None:
    with pytest.raises(TimelineError, match="'M7' does not repeat"):
        next_repeat_due(GUIDANCE.milestone("M7"), utc(2026, 10, 1))


@pytest.mark.parametrize(
    ("key", "calendar", "expected"),
    [
        ("M1", PLAIN_CALENDAR, (utc(2026, 10, 1, 14),)),
        # 5 working days from Thursday: Fri 2, Mon 5, Tue 6, Wed 7, Thu 8.
        ("M7", PLAIN_CALENDAR, (utc(2026, 10, 8, 14),)),
        (
            "M7",
            WorkingCalendar(holidays=frozenset({utc(2026, 10, 5).date()})),
            (utc(2026, 10, 9, 14),),
        ),
        ("M9", CALENDAR, (utc(2026, 10, 31, 14), utc(2026, 12, 30, 14))),
    ],
)
def test_milestone_due_dates(
    key: str, calendar: WorkingCalendar, expected: tuple[object, ...]
) -> None:
    assert milestone_due_dates(GUIDANCE.milestone(key), utc(2026, 10, 1, 14), calendar) == expected
