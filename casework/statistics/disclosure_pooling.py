"""Pooling before counting: small entities into "other", thin years collapsed from quarters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

OTHER_LABEL = "other"
MIN_CASES = 20


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError("quarter must be 1 to 4")

    @property
    def label(self) -> str:
        """Published label, e.g. ``2025-Q3``."""
        return f"{self.year}-Q{self.quarter}"


def pool_entities(
    case_counts: Mapping[str, int],
    *,
    min_cases: int = MIN_CASES,
    other_label: str = OTHER_LABEL,
) -> dict[str, str]:
    """Map each entity to its published label, pooling entities under ``min_cases`` as other.

    A pool of one entity would name it, and a pool under ``min_cases`` would be small itself, so
    while the pool is either, the smallest remaining entity joins it (ties broken by name).
    """
    if other_label in case_counts:
        raise ValueError(f"an entity may not be called {other_label!r}")
    pooled = {entity for entity, count in case_counts.items() if count < min_cases}
    remaining = sorted(
        (entity for entity in case_counts if entity not in pooled),
        key=lambda entity: (case_counts[entity], entity),
    )
    while (
        pooled
        and remaining
        and (len(pooled) < 2 or sum(case_counts[entity] for entity in pooled) < min_cases)
    ):
        pooled.add(remaining.pop(0))
    return {entity: other_label if entity in pooled else entity for entity in case_counts}


def period_labels(
    case_counts: Mapping[Quarter, int], *, min_cases: int = MIN_CASES
) -> dict[Quarter, str]:
    """Map each quarter to its published period: the quarter, or its year if the year is thin."""
    per_year: dict[int, int] = {}
    for quarter, count in case_counts.items():
        per_year[quarter.year] = per_year.get(quarter.year, 0) + count
    return {
        quarter: str(quarter.year) if per_year[quarter.year] < min_cases else quarter.label
        for quarter in case_counts
    }


def ordered_labels(labels: Iterable[str], *, other_label: str = OTHER_LABEL) -> tuple[str, ...]:
    """Distinct labels sorted, with ``other_label`` last: the order a table's axis shows."""
    distinct = set(labels)
    return (*sorted(distinct - {other_label}), *([other_label] if other_label in distinct else []))
