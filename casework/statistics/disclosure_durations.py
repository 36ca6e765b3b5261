"""Duration figures for a group of closed stages: a median in weeks and a share within target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import median

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
    if len(stages) < min_group:
        return DurationSummary(None, None)
    middle = median(Fraction(stage.days) for stage in stages)
    within = sum(1 for stage in stages if stage.days <= stage.target_days)
    share = percentage(within, len(stages))
    if len(stages) - within < PERCENTAGE_MINIMUM:
        share = None
    return DurationSummary(weeks(middle), share)
