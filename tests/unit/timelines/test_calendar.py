"""Working calendar: which days count, and adding working days."""

from datetime import date, datetime

import pytest

from casework.timelines import TimelineError, WorkingCalendar
from tests.unit.timelines.helpers import CALENDAR, PLAIN_CALENDAR, utc


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 6), True),  # Friday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 3, 9), False),  # Monday, the entity's holiday
        (date(2026, 3, 10), True),  # Tuesday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


def test_a_friday_and_saturday_weekend_is_honoured() -> None:
    gulf = WorkingCalendar(weekend=frozenset({4, 5}))
    assert [gulf.is_working_day(date(2026, 3, day)) for day in range(5, 10)] == [
        True,  # Thursday
        False,  # Friday
        False,  # Saturday
        True,  # Sunday
        True,  # Monday
    ]


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        # Same time of day, skipping the weekend.
        (PLAIN_CALENDAR, utc(2026, 3, 6, 15), 1, utc(2026, 3, 9, 15)),
        (PLAIN_CALENDAR, utc(2026, 3, 6, 15), 2, utc(2026, 3, 10, 15)),
        # Skipping the weekend and Monday's holiday.
        (CALENDAR, utc(2026, 3, 6, 15), 1, utc(2026, 3, 10, 15)),
        (CALENDAR, utc(2026, 3, 6, 15), 5, utc(2026, 3, 16, 15)),
        # Started on Saturday: Monday counts in full, due as Tuesday begins.
        (PLAIN_CALENDAR, utc(2026, 3, 7, 10), 1, utc(2026, 3, 10, 0)),
        # ...and when Monday is a holiday, Tuesday counts in full.
        (CALENDAR, utc(2026, 3, 7, 10), 1, utc(2026, 3, 11, 0)),
        # Completing at the end of Friday is due as Monday begins, never on the weekend.
        (PLAIN_CALENDAR, utc(2026, 3, 4, 0), 3, utc(2026, 3, 9, 0)),
        (PLAIN_CALENDAR, utc(2026, 3, 4, 9), 0, utc(2026, 3, 4, 9)),
        (PLAIN_CALENDAR, utc(2026, 3, 7, 9), 0, utc(2026, 3, 9, 0)),
    ],
)
def test_add_working_days(
    calendar: WorkingCalendar, start: datetime, days: int, expected: datetime
) -> None:
    assert calendar.add_working_days(start, days) == expected


def test_next_working_day_skips_weekend_and_holiday() -> None:
    assert CALENDAR.next_working_day(date(2026, 3, 7)) == date(2026, 3, 10)
    assert CALENDAR.next_working_day(date(2026, 3, 10)) == date(2026, 3, 10)


def test_a_calendar_without_working_weekdays_is_rejected() -> None:
    with pytest.raises(TimelineError, match="at least one working weekday"):
        WorkingCalendar(weekend=frozenset(range(7)))


def test_weekend_days_must_be_weekday_numbers() -> None:
    with pytest.raises(TimelineError, match="0 \\(Monday\\) to 6"):
        WorkingCalendar(weekend=frozenset({7}))


def test_negative_working_days_are_rejected() -> None:
    with pytest.raises(TimelineError, match="0 or more"):
        PLAIN_CALENDAR.add_working_days(utc(2026, 3, 4), -1)


def test_naive_start_is_rejected() -> None:
    with pytest.raises(TimelineError, match="start must be a timezone-aware UTC datetime"):
        PLAIN_CALENDAR.add_working_days(datetime(2026, 3, 4), 1)
