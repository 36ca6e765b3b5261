from collections import Counter
from fractions import Fraction
from statistics import median

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.statistics.disclosure_durations import (
    ClosedStage,
    DurationSummary,
    histogram_median,
    summarise_durations,
    summarise_histogram,
    weeks,
)
from casework.statistics.disclosure_rounding import percentage


def test_groups_under_ten_closed_stages_publish_nothing() -> None:
    stages = [ClosedStage(days=30, target_days=90)] * 9

    assert summarise_durations(stages) == DurationSummary(None, None)


def test_median_is_rounded_to_whole_weeks() -> None:
    stages = [ClosedStage(days=d, target_days=30) for d in (10, 20, 24, 25, 26, 40, 50, 60, 70, 80)]

    summary = summarise_durations(stages)

    assert summary.median_weeks == 5  # median 33 days = 4.7 weeks


def test_share_within_target_needs_ten_within_and_ten_missed() -> None:
    twelve_within = [ClosedStage(days=10, target_days=30)] * 12
    ten_missed = [ClosedStage(days=40, target_days=30)] * 10

    assert summarise_durations(twelve_within).within_target_percent is None
    assert summarise_durations(twelve_within + ten_missed).within_target_percent == 55


@pytest.mark.parametrize(
    ("days", "expected"), [(0, 0), (3, 0), (4, 1), (10, 1), (11, 2), (365, 52)]
)
def test_days_to_weeks(days: int, expected: int) -> None:
    assert weeks(days) == expected


def test_negative_durations_are_rejected() -> None:
    with pytest.raises(ValueError):
        ClosedStage(days=-1, target_days=30)


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=40))
def test_histogram_median_is_exactly_the_median_of_the_values(days: list[int]) -> None:
    assert histogram_median(Counter(days)) == median(Fraction(day) for day in days)


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 120)), max_size=60))
def test_a_histogram_summarises_like_its_stages_one_by_one(pairs: list[tuple[int, int]]) -> None:
    stages = [ClosedStage(days, target) for days, target in pairs]
    expected = DurationSummary(None, None)
    if len(stages) >= 10:
        within = sum(1 for stage in stages if stage.days <= stage.target_days)
        share = percentage(within, len(stages)) if len(stages) - within >= 10 else None
        expected = DurationSummary(weeks(median(Fraction(s.days) for s in stages)), share)
    assert summarise_histogram(Counter(stages)) == expected
