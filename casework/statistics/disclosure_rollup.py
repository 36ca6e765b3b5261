"""Coarsening before counting: stages to phases, outcomes to three groups, at most 5 categories."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from casework.statistics.disclosure_pooling import OTHER_LABEL

PHASES = ("intake", "investigation", "disciplinary")
PHASE_OF_STAGE: Mapping[str, str] = MappingProxyType(
    {
        "intake": "intake",
        "assessment": "intake",
        "investigation": "investigation",
        "referral": "investigation",
        "disciplinary": "disciplinary",
    }
)

OUTCOME_GROUPS = ("substantiated", "unsubstantiated", "closed_other")
OUTCOME_GROUP_OF: Mapping[str, str] = MappingProxyType(
    {
        "substantiated": "substantiated",
        "unsubstantiated": "unsubstantiated",
        "not_pursued": "closed_other",
        "resolved_informally": "closed_other",
        "referred_elsewhere": "closed_other",
    }
)

MAX_CATEGORIES = 5


def phase_of(stage: str) -> str:
    """The mission phase of an open stage (``casework.cases.models.Stage`` value)."""
    try:
        return PHASE_OF_STAGE[stage]
    except KeyError:
        raise ValueError(f"stage {stage!r} has no phase") from None


def outcome_group_of(outcome: str) -> str:
    """The published outcome group of a closing outcome (``Outcome`` value)."""
    try:
        return OUTCOME_GROUP_OF[outcome]
    except KeyError:
        raise ValueError(f"unknown outcome {outcome!r}") from None


def limit_categories(
    case_counts: Mapping[str, int],
    *,
    max_categories: int = MAX_CATEGORIES,
    other_label: str = OTHER_LABEL,
) -> dict[str, str]:
    """Map each category to its published label: the largest kept, the rest pooled as other.

    With more than ``max_categories`` categories, the ``max_categories - 1`` largest keep their
    label (ties broken by name) and the rest, always at least two, become ``other_label``.
    """
    if max_categories < 2:
        raise ValueError("max_categories must leave room for 'other'")
    if len(case_counts) <= max_categories:
        return {category: category for category in case_counts}
    ranked = sorted(case_counts, key=lambda category: (-case_counts[category], category))
    kept = set(ranked[: max_categories - 1])
    return {category: category if category in kept else other_label for category in case_counts}
