"""Appeal windows, counted in calendar days from the day after the notice."""

from datetime import date

import pytest

from casework.guidance import AppealAnchor, default_version
from casework.timelines import AppealDeadline, WorkingCalendar, appeal_deadlines
from tests.unit.timelines.helpers import utc

GUIDANCE = default_version()


def test_windows_after_a_decision_is_notified() -> None:
    notified = utc(2026, 10, 1, 16)
    deadlines = appeal_deadlines(GUIDANCE, AppealAnchor.DECISION_NOTIFIED, notified)
    assert [(item.key, item.first_day, item.last_day, item.closes_at) for item in deadlines] == [
        ("management_evaluation", date(2026, 10, 2), date(2026, 11, 30), utc(2026, 12, 1)),
        ("undt", date(2026, 10, 2), date(2026, 12, 30), utc(2026, 12, 31)),
        ("iloat", date(2026, 10, 2), date(2026, 12, 30), utc(2026, 12, 31)),
    ]


def test_unat_window_counts_from_the_undt_judgment() -> None:
    (unat,) = appeal_deadlines(GUIDANCE, AppealAnchor.UNDT_JUDGMENT_NOTIFIED, utc(2027, 2, 10, 9))
    assert unat == AppealDeadline(
        key="unat",
        title=GUIDANCE.appeal_windows[2].title,
        first_day=date(2027, 2, 11),
        last_day=date(2027, 4, 11),
        closes_at=utc(2027, 4, 12),
    )


@pytest.mark.parametrize(
    ("notified_day", "last_day"),
    [
        (10, date(2027, 4, 12)),  # 11 April 2027 is a Sunday: moved to Monday.
        (9, date(2027, 4, 12)),  # 10 April is a Saturday: moved to Monday.
        (8, date(2027, 4, 9)),  # a Friday stays.
    ],
)
def test_a_registry_calendar_moves_a_last_day_off_the_weekend(
    notified_day: int, last_day: date
) -> None:
    (unat,) = appeal_deadlines(
        GUIDANCE,
        AppealAnchor.UNDT_JUDGMENT_NOTIFIED,
        utc(2027, 2, notified_day, 9),
        registry=WorkingCalendar(),
    )
    assert unat.last_day == last_day
