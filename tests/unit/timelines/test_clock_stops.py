"""Clock stops pause every overlapping clock and never shorten one."""

from datetime import datetime

import pytest

from casework.guidance import default_version
from casework.timelines import (
    ClockStop,
    ComputedDeadline,
    DeadlineStatus,
    InvalidClockStop,
    StopReason,
    WorkingCalendar,
    compute_deadlines,
    status,
)
from tests.unit.timelines.helpers import (
    CALENDAR,
    FINAL_REPORT,
    INVESTIGATION_ASSIGNED,
    PLAIN_CALENDAR,
    RECEIVED,
    stop,
    utc,
)

INVESTIGATING = {"received": RECEIVED, "investigation_assigned": INVESTIGATION_ASSIGNED}


def deadlines_by_key(
    events: dict[str, datetime],
    stops: list[ClockStop],
    now: datetime = utc(2026, 12, 31),
    calendar: WorkingCalendar = CALENDAR,
) -> dict[str, ComputedDeadline]:
    return {
        deadline.key: deadline
        for deadline in compute_deadlines(default_version(), calendar, events, now, stops=stops)
    }


def test_a_ten_day_stop_shifts_every_overlapping_threshold_by_ten_days() -> None:
    sick_leave = stop(utc(2026, 5, 1), utc(2026, 5, 11))
    investigation = deadlines_by_key(INVESTIGATING, [sick_leave])["investigation"]
    assert investigation.amber_at == utc(2026, 6, 24, 10)
    assert investigation.due_at == utc(2026, 7, 24, 10)
    assert investigation.red_at == utc(2026, 7, 24, 10)
    assert investigation.ceiling_at == utc(2026, 10, 22, 10)


def test_a_stop_leaves_deadlines_it_does_not_overlap_alone() -> None:
    sick_leave = stop(utc(2026, 5, 1), utc(2026, 5, 11))
    deadlines = deadlines_by_key(INVESTIGATING, [sick_leave])
    # Acknowledgement was due on 11 March, long before the stop.
    assert deadlines["acknowledge_receipt"].due_at == utc(2026, 3, 11, 15)
    assert deadlines["end_to_end"].due_at == utc(2026, 11, 11, 15)


def test_a_stop_beginning_before_the_clock_counts_only_from_the_clock_start() -> None:
    request = stop(utc(2026, 4, 10), utc(2026, 4, 20, 10))
    investigation = deadlines_by_key(INVESTIGATING, [request])["investigation"]
    assert investigation.due_at == utc(2026, 7, 19, 10)


def test_a_stop_after_the_deadline_was_met_does_not_move_it() -> None:
    events = {**INVESTIGATING, "final_report": FINAL_REPORT}  # met on 10 July, due 14 July
    later = stop(utc(2026, 7, 12), utc(2026, 8, 12))
    deadlines = deadlines_by_key(events, [later])
    assert deadlines["investigation"].due_at == utc(2026, 7, 14, 10)
    assert deadlines["investigation"].paused is False
    # The end-to-end clock is still running, so it moves by the 31 stopped days.
    assert deadlines["end_to_end"].due_at == utc(2026, 12, 2, 15)


def test_a_stop_spanning_the_moment_a_deadline_was_met_counts_only_until_then() -> None:
    events = {**INVESTIGATING, "final_report": FINAL_REPORT}  # met on 10 July at 16:00
    spanning = stop(utc(2026, 7, 5, 16), utc(2026, 7, 25))
    assert deadlines_by_key(events, [spanning])["investigation"].due_at == utc(2026, 7, 19, 10)


def test_an_open_stop_pauses_the_clock_until_now() -> None:
    open_stop = stop(utc(2026, 5, 1), None)
    now = utc(2026, 5, 21)
    investigation = deadlines_by_key(INVESTIGATING, [open_stop], now)["investigation"]
    assert investigation.due_at == utc(2026, 8, 3, 10)
    assert investigation.paused is True
    assert status(investigation, now) is DeadlineStatus.GREEN


def test_overlapping_stops_count_once() -> None:
    stops = [stop(utc(2026, 5, 1), utc(2026, 5, 11)), stop(utc(2026, 5, 6), utc(2026, 5, 16))]
    assert deadlines_by_key(INVESTIGATING, stops)["investigation"].due_at == utc(2026, 7, 29, 10)


def test_stopped_weekend_time_does_not_move_a_working_day_deadline() -> None:
    weekend_stop = stop(utc(2026, 3, 7), utc(2026, 3, 9))
    acknowledge = deadlines_by_key({"received": RECEIVED}, [weekend_stop], calendar=PLAIN_CALENDAR)
    assert acknowledge["acknowledge_receipt"].due_at == utc(2026, 3, 10, 15)


def test_a_stopped_working_day_moves_a_working_day_deadline_by_one_working_day() -> None:
    monday_stop = stop(utc(2026, 3, 9, 12), utc(2026, 3, 10, 12))
    acknowledge = deadlines_by_key({"received": RECEIVED}, [monday_stop], calendar=PLAIN_CALENDAR)
    assert acknowledge["acknowledge_receipt"].due_at == utc(2026, 3, 11, 15)


def test_a_stop_needs_an_approver() -> None:
    with pytest.raises(InvalidClockStop, match="approver"):
        ClockStop(utc(2026, 5, 1), None, StopReason.MEDIATION, approved_by="  ")


def test_a_stop_needs_a_recorded_reason() -> None:
    with pytest.raises(InvalidClockStop, match="reason"):
        ClockStop(utc(2026, 5, 1), None, "felt like it", approved_by="supervisor-7")  # type: ignore[arg-type]


def test_a_stop_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidClockStop, match="end before it starts"):
        stop(utc(2026, 5, 2), utc(2026, 5, 1))
