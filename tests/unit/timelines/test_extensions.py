"""Extensions: approved, reasoned, limited by count, amount and the hard ceiling."""

from datetime import datetime

import pytest

from casework.guidance import default_version
from casework.timelines import (
    ComputedDeadline,
    Extension,
    ExtensionRejected,
    check_new_extension,
    compute_deadlines,
)
from tests.unit.timelines.helpers import (
    CALENDAR,
    INVESTIGATION_ASSIGNED,
    MEMORANDUM_ISSUED,
    RECEIVED,
    extension,
    utc,
)

NOW = utc(2026, 12, 31)
GRANTED = utc(2026, 6, 1)


def deadline(
    key: str, events: dict[str, datetime], extensions: list[Extension]
) -> ComputedDeadline:
    deadlines = compute_deadlines(default_version(), CALENDAR, events, NOW, extensions=extensions)
    return next(item for item in deadlines if item.key == key)


def test_an_approved_investigation_extension_moves_due_amber_and_red_but_not_the_ceiling() -> None:
    events = {"investigation_assigned": INVESTIGATION_ASSIGNED}
    investigation = deadline("investigation", events, [extension("investigation", 30, GRANTED)])
    assert investigation.due_at == utc(2026, 8, 13, 10)
    assert investigation.amber_at == utc(2026, 7, 14, 10)
    assert investigation.red_at == utc(2026, 8, 13, 10)
    assert investigation.ceiling_at == utc(2026, 10, 12, 10)
    assert investigation.extended_by == 30


def test_investigation_extensions_may_reach_but_not_pass_the_ceiling() -> None:
    granted = [extension("investigation", 60, GRANTED), extension("investigation", 30, NOW)]
    events = {"investigation_assigned": INVESTIGATION_ASSIGNED}
    assert deadline("investigation", events, granted).due_at == utc(2026, 10, 12, 10)
    with pytest.raises(ExtensionRejected, match="past its ceiling of 180 calendar_days"):
        check_new_extension(default_version(), granted, extension("investigation", 1, NOW))


def test_investigation_can_be_extended_at_most_three_times() -> None:
    granted = [extension("investigation", 10, utc(2026, 6, day)) for day in (1, 2, 3)]
    with pytest.raises(ExtensionRejected, match="at most 3 time"):
        check_new_extension(default_version(), granted, extension("investigation", 10, NOW))


def test_subject_response_is_extended_once_by_14_days() -> None:
    events = {"memorandum_issued": MEMORANDUM_ISSUED}
    response = deadline("subject_response", events, [extension("subject_response", 14, GRANTED)])
    assert response.due_at == utc(2026, 9, 22, 12)
    assert response.amber_at == utc(2026, 9, 18, 12)


def test_a_second_subject_response_extension_is_refused() -> None:
    first = extension("subject_response", 14, utc(2026, 9, 1))
    second = extension("subject_response", 7, utc(2026, 9, 20))
    with pytest.raises(ExtensionRejected, match="'subject_response' can be extended at most 1"):
        check_new_extension(default_version(), [first], second)
    with pytest.raises(ExtensionRejected, match="at most 1 time"):
        deadline("subject_response", {"memorandum_issued": MEMORANDUM_ISSUED}, [first, second])


def test_subject_response_cannot_be_extended_by_more_than_14_days() -> None:
    with pytest.raises(ExtensionRejected, match="by at most 14 calendar_days"):
        check_new_extension(default_version(), [], extension("subject_response", 15, GRANTED))


def test_a_row_without_extensions_cannot_be_extended() -> None:
    with pytest.raises(ExtensionRejected, match="'acknowledge_receipt' cannot be extended"):
        deadline("end_to_end", {"received": RECEIVED}, [extension("acknowledge_receipt", 1, NOW)])


def test_an_unknown_deadline_cannot_be_extended() -> None:
    with pytest.raises(ExtensionRejected, match="no deadline 'investigations'"):
        check_new_extension(default_version(), [], extension("investigations", 1, NOW))


@pytest.mark.parametrize(
    ("reason", "approved_by", "message"),
    [
        ("", "supervisor-7", "needs a reason"),
        ("   ", "supervisor-7", "needs a reason"),
        ("witness abroad", "", "needs an approver"),
    ],
)
def test_an_extension_without_reason_or_approver_is_rejected(
    reason: str, approved_by: str, message: str
) -> None:
    with pytest.raises(ExtensionRejected, match=message):
        Extension("investigation", 30, reason, approved_by, GRANTED)


def test_an_extension_must_be_positive() -> None:
    with pytest.raises(ExtensionRejected, match="must be positive"):
        Extension("investigation", 0, "witness abroad", "supervisor-7", GRANTED)
