"""A deadline held by an open clock stop raises no alert; one the stop cannot move still does."""

from datetime import datetime, timedelta

import pytest

from casework.timelines import ComputedDeadline, held_by_stop

START = datetime.fromisoformat("2026-06-01T09:00:00+00:00")


def deadline(met_at: datetime | None = None, ceiling: bool = True) -> ComputedDeadline:
    return ComputedDeadline(
        key="investigation",
        starts_at=START,
        due_at=START + timedelta(days=90),
        amber_at=START + timedelta(days=60),
        red_at=START + timedelta(days=90),
        ceiling_at=START + timedelta(days=180) if ceiling else None,
        met_at=met_at,
        extended_by=0,
        paused=False,
    )


@pytest.mark.parametrize(
    ("stop_day", "ceiling", "held"),
    [
        (10, True, True),  # every threshold still ahead moves
        (75, True, True),  # amber crossed before the stop; red and ceiling still move
        (120, True, True),  # after due and red, but the ceiling still moves
        (120, False, False),  # nothing left ahead to move: the crossed thresholds stand
        (90, False, False),  # a stop from the very instant of the last threshold moves nothing
    ],
)
def test_a_stop_holds_a_deadline_while_a_threshold_lies_ahead_of_it(
    stop_day: int, ceiling: bool, held: bool
) -> None:
    started = START + timedelta(days=stop_day)
    assert held_by_stop(deadline(ceiling=ceiling), [started]) is held


def test_no_open_stop_or_a_met_deadline_is_never_held() -> None:
    assert held_by_stop(deadline(), []) is False
    met = deadline(met_at=START + timedelta(days=5))
    assert held_by_stop(met, [START + timedelta(days=1)]) is False
