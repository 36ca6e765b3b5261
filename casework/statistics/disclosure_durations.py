"""Duration figures for a group of closed stages: a median in weeks and a share within target."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from casework.statistics.disclosure_rounding import PERCENTAGE_MINIMUM, percentage

MIN_CLOSED_STAGES = 10
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class ClosedStage:
    """How long one closed stage took, and the guidance target pinned on its case, in days."""

    days: int
    target_days: int

    def __post_init__(self) -> None:
        if self.days < 0 or self.target_days < 0:
            raise ValueError("durations are non-negative")


@dataclass(frozen=True)
class DurationSummary:
    """Published duration figures of a group; None where withheld. Never a minimum or maximum."""

    median_weeks: int | None
    within_target_percent: int | None


def weeks(days: Fraction | int) -> int:
    """Days rounded to the nearest whole week, halves up."""
    return int((Fraction(days) / DAYS_PER_WEEK + Fraction(1, 2)) // 1)


def summarise_durations(
    stages: Sequence[ClosedStage], *, min_group: int = MIN_CLOSED_STAGES
) -> DurationSummary:
    """Median weeks and share within target of a group of at least ``min_group`` closed stages.

    The share is a percentage, so it follows the percentage rule; and since publishing it also
    publishes its complement, the stages that missed the target must number at least 10 too,
    otherwise "100% within target" would say something about every member of the group.
    """
    return summarise_histogram(Counter(stages), min_group=min_group)


def summarise_histogram(
    stages: Mapping[ClosedStage, int], *, min_group: int = MIN_CLOSED_STAGES
) -> DurationSummary:
    """``summarise_durations`` of a group given as how many closed stages share each value."""
    size = sum(stages.values())
    if size < min_group:
        return DurationSummary(None, None)
    days: Counter[int] = Counter()
    for stage, count in stages.items():
        days[stage.days] += count
    middle = histogram_median(days)
    within = sum(count for stage, count in stages.items() if stage.days <= stage.target_days)
    share = percentage(within, size)
    if size - within < PERCENTAGE_MINIMUM:
        share = None
    return DurationSummary(weeks(middle), share)


def histogram_median(counts: Mapping[int, int]) -> Fraction:
    """The median of values given with their counts: exactly ``statistics.median`` of them."""
    size = sum(counts.values())
    if size <= 0:
        raise ValueError("no median of an empty group")
    # statistics.median takes the middle item, or the mean of the two middle items.
    wanted = sorted({(size - 1) // 2, size // 2})
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
        if not wanted:
            break
    if len(found) == 1:
        return Fraction(found[0])
    return Fraction(found[0] + found[1], 2)
