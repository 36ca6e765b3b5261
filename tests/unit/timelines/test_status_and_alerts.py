"""Status of a deadline, the alert thresholds it crossed, and the next deadline of a case."""

from datetime import datetime, timedelta

import pytest

from casework.guidance import default_version
from casework.timelines import (
    ComputedDeadline,
    DeadlineStatus,
    Threshold,
    compute_deadlines,
    crossed_thresholds,
    next_alert_at,
    next_deadline,
    status,
)
from tests.unit.timelines.helpers import (
    ACKNOWLEDGED,
    CALENDAR,
    INVESTIGATION_ASSIGNED,
    RECEIVED,
    SAFETY_TRIAGED,
    utc,
)

AMBER = utc(2026, 6, 14, 10)
DUE = utc(2026, 7, 14, 10)
CEILING = utc(2026, 10, 12, 10)
SECOND = timedelta(seconds=1)


def investigation(met_at: datetime | None = None) -> ComputedDeadline:
    events = {"investigation_assigned": INVESTIGATION_ASSIGNED}
    if met_at is not None:
        events["final_report"] = met_at
    deadlines = compute_deadlines(default_version(), CALENDAR, events, now=utc(2027, 1, 1))
    return next(deadline for deadline in deadlines if deadline.key == "investigation")


@pytest.mark.parametrize(
    ("now", "expected_status", "expected_thresholds"),
    [
        (INVESTIGATION_ASSIGNED, "green", ()),
        (AMBER - SECOND, "green", ()),
        (AMBER, "amber", ("amber",)),
        (DUE - SECOND, "amber", ("amber",)),
        (DUE, "red", ("amber", "red")),
        (CEILING - SECOND, "red", ("amber", "red")),
        (CEILING, "red", ("amber", "red", "ceiling")),
    ],
)
def test_unmet_deadline_status_and_thresholds(
    now: datetime, expected_status: str, expected_thresholds: tuple[str, ...]
) -> None:
    deadline = investigation()
    assert status(deadline, now) == DeadlineStatus(expected_status)
    assert crossed_thresholds(deadline, now) == tuple(map(Threshold, expected_thresholds))


@pytest.mark.parametrize(
    ("met_at", "expected_status"),
    [(DUE - SECOND, "met"), (DUE, "met"), (DUE + SECOND, "met_late")],
)
def test_met_deadline_status_and_no_thresholds(met_at: datetime, expected_status: str) -> None:
    deadline = investigation(met_at)
    assert status(deadline, CEILING) == DeadlineStatus(expected_status)
    assert crossed_thresholds(deadline, CEILING) == ()


def test_a_deadline_met_after_now_is_still_open_at_now() -> None:
    deadline = investigation(DUE + SECOND)
    assert status(deadline, DUE) is DeadlineStatus.RED
    assert crossed_thresholds(deadline, DUE) == (Threshold.AMBER, Threshold.RED)


def test_next_deadline_is_the_unmet_one_due_soonest() -> None:
    events = {"received": RECEIVED, "acknowledged": ACKNOWLEDGED, "safety_triaged": SAFETY_TRIAGED}
    now = utc(2026, 3, 12)
    deadlines = compute_deadlines(default_version(), CALENDAR, events, now)
    upcoming = next_deadline(deadlines, now)
    assert upcoming is not None
    assert (upcoming.key, upcoming.due_at) == ("interim_measures_decision", utc(2026, 3, 16, 15))


def test_next_deadline_prefers_an_overdue_one() -> None:
    events = {"received": RECEIVED}
    now = utc(2026, 3, 12)
    upcoming = next_deadline(compute_deadlines(default_version(), CALENDAR, events, now), now)
    assert upcoming is not None
    assert upcoming.key == "safety_triage"


def test_no_next_deadline_when_all_are_met() -> None:
    deadline = investigation(DUE)
    assert next_deadline([deadline], CEILING) is None


@pytest.mark.parametrize(
    ("already_alerted", "expected"),
    [
        ((), AMBER),
        (("amber",), DUE),
        (("amber", "red"), CEILING),
        (("amber", "red", "ceiling"), None),
        # A scan that missed amber still alerts it first.
        (("red",), AMBER),
    ],
)
def test_next_alert_at_is_the_earliest_threshold_not_yet_alerted(
    already_alerted: tuple[str, ...], expected: datetime | None
) -> None:
    alerted = {Threshold(name) for name in already_alerted}
    assert next_alert_at(investigation(), alerted) == expected


def test_a_met_deadline_needs_no_more_alerts() -> None:
    assert next_alert_at(investigation(DUE + SECOND)) is None
