"""Every row of the default guidance, against hand-computed deadlines."""

from datetime import datetime

import pytest

from casework.guidance import default_version
from casework.timelines import (
    ComputedDeadline,
    DeadlineStatus,
    TimelineError,
    compute_deadlines,
    status,
)
from tests.unit.timelines.helpers import (
    ACKNOWLEDGED,
    ASSESSMENT_DECIDED,
    ASSESSMENT_STARTED,
    CALENDAR,
    DECISION,
    FINAL_REPORT,
    FULL_CASE,
    INTERIM_MEASURES_DECIDED,
    INVESTIGATION_ASSIGNED,
    MEMORANDUM_ISSUED,
    RECEIVED,
    REFERRED,
    RESPONSE_RECEIVED,
    SAFETY_TRIAGED,
    utc,
)

AFTER_EVERYTHING = utc(2027, 1, 1)

# key: (starts_at, amber_at, due_at (= red_at in the default table), ceiling_at, met_at, status)
EXPECTED: dict[str, tuple[datetime, datetime, datetime, datetime | None, datetime, str]] = {
    # 2 working days from Friday 15:00, skipping the weekend and Monday's holiday.
    "acknowledge_receipt": (
        RECEIVED, utc(2026, 3, 10, 15), utc(2026, 3, 11, 15), None, ACKNOWLEDGED, "met",
    ),
    "safety_triage": (
        RECEIVED, utc(2026, 3, 7, 3), utc(2026, 3, 7, 15), None, SAFETY_TRIAGED, "met",
    ),
    # 5 working days: Tue 10, Wed 11, Thu 12, Fri 13 (amber), Mon 16 (due); decided Tue 17.
    "interim_measures_decision": (
        RECEIVED, utc(2026, 3, 13, 15), utc(2026, 3, 16, 15), None, INTERIM_MEASURES_DECIDED,
        "met_late",
    ),
    "preliminary_assessment": (
        ASSESSMENT_STARTED, utc(2026, 4, 6, 9), utc(2026, 4, 15, 9), None, ASSESSMENT_DECIDED,
        "met",
    ),
    "investigation": (
        INVESTIGATION_ASSIGNED, utc(2026, 6, 14, 10), utc(2026, 7, 14, 10),
        utc(2026, 10, 12, 10), FINAL_REPORT, "met",
    ),
    "report_review_and_referral": (
        FINAL_REPORT, utc(2026, 7, 31, 16), utc(2026, 8, 9, 16), None, REFERRED, "met",
    ),
    "allegations_memorandum": (
        REFERRED, utc(2026, 8, 24, 11), utc(2026, 9, 2, 11), None, MEMORANDUM_ISSUED, "met",
    ),
    "subject_response": (
        MEMORANDUM_ISSUED, utc(2026, 9, 4, 12), utc(2026, 9, 8, 12), None, RESPONSE_RECEIVED,
        "met",
    ),
    "decision": (
        RESPONSE_RECEIVED, utc(2026, 9, 28, 8), utc(2026, 10, 7, 8), None, DECISION, "met",
    ),
    "end_to_end": (
        RECEIVED, utc(2026, 9, 2, 15), utc(2026, 11, 1, 15), None, DECISION, "met",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def full_case() -> dict[str, ComputedDeadline]:
    deadlines = compute_deadlines(default_version(), CALENDAR, FULL_CASE, now=AFTER_EVERYTHING)
    return {deadline.key: deadline for deadline in deadlines}


def test_every_default_row_is_computed_once(full_case: dict[str, ComputedDeadline]) -> None:
    assert sorted(full_case) == sorted(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_default_row_matches_hand_computation(
    full_case: dict[str, ComputedDeadline], key: str
) -> None:
    starts_at, amber_at, due_at, ceiling_at, met_at, expected_status = EXPECTED[key]
    deadline = full_case[key]
    assert (deadline.starts_at, deadline.amber_at, deadline.due_at) == (starts_at, amber_at, due_at)
    assert deadline.red_at == due_at
    assert deadline.ceiling_at == ceiling_at
    assert deadline.met_at == met_at
    assert deadline.extended_by == 0
    assert deadline.paused is False
    assert status(deadline, AFTER_EVERYTHING) == DeadlineStatus(expected_status)


def test_only_rows_whose_start_event_happened_are_computed() -> None:
    events = {"received": RECEIVED, "acknowledged": ACKNOWLEDGED}
    deadlines = compute_deadlines(default_version(), CALENDAR, events, now=utc(2026, 3, 8))
    assert [deadline.key for deadline in deadlines] == [
        "acknowledge_receipt",
        "safety_triage",
        "interim_measures_decision",
        "end_to_end",
    ]


def test_closing_the_case_meets_the_end_to_end_clock() -> None:
    events = {"received": RECEIVED, "closed": utc(2026, 4, 1)}
    deadlines = compute_deadlines(default_version(), CALENDAR, events, now=utc(2026, 4, 2))
    end_to_end = next(deadline for deadline in deadlines if deadline.key == "end_to_end")
    assert end_to_end.met_at == utc(2026, 4, 1)


def test_unknown_event_is_rejected() -> None:
    with pytest.raises(TimelineError, match="unknown case event 'recieved'"):
        compute_deadlines(default_version(), CALENDAR, {"recieved": RECEIVED}, now=RECEIVED)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(TimelineError, match="event 'received' must be a timezone-aware UTC"):
        compute_deadlines(
            default_version(), CALENDAR, {"received": RECEIVED.replace(tzinfo=None)}, now=RECEIVED
        )
