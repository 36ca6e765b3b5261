"""The fixed tables of a release, built from the grouped counts of one calendar year (pure).

Mapping from guidance to a target per stage (calendar days, from the version pinned on the case):

* assessment: ``preliminary_assessment`` (30 in 2026.1);
* investigation: ``investigation`` (90; the 180-day ceiling is not the target);
* referral: ``report_review_and_referral`` (30);
* disciplinary: ``allegations_memorandum`` + ``subject_response`` + ``decision`` (30 + 14 + 30 =
  74); the stage spans the three clocks back to back, so its target is their sum.

Intake is not timed as a stage: its clocks run in hours and working days (acknowledgement,
triage, interim measures) and end at different events, so no single stage target exists.

A stage is *completed* when the case leaves it (by advancing or by closing); it counts in the
period in which it was left. Days are whole elapsed calendar days from entering to leaving.
Approved clock stops are not yet deducted (the stop ledger is new); the published medians are
therefore conservative (never shorter than the clock the guidance measures).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from casework.guidance import ClockUnit, load_version
from casework.statistics.disclosure_durations import ClosedStage, summarise_histogram
from casework.statistics.disclosure_model import CountTable
from casework.statistics.disclosure_pooling import (
    OTHER_LABEL,
    Quarter,
    ordered_labels,
    period_labels,
    pool_entities,
)
from casework.statistics.disclosure_rollup import (
    OUTCOME_GROUPS,
    limit_categories,
    outcome_group_of,
)
from casework.statistics.queries import StageHistogram, WindowCounts

TIMED_STAGES = ("assessment", "investigation", "referral", "disciplinary")
STAGE_TARGET_RULES: Mapping[str, tuple[str, ...]] = {
    "assessment": ("preliminary_assessment",),
    "investigation": ("investigation",),
    "referral": ("report_review_and_referral",),
    "disciplinary": ("allegations_memorandum", "subject_response", "decision"),
}
CLOSED_STAGE = "closed"
DELIVERIES = ("on_time", "late", "withheld")


@dataclass(frozen=True)
class Window:
    """One calendar year: the fixed, non-overlapping period a release covers."""

    year: int

    @property
    def start(self) -> datetime:
        """First instant of the year (UTC)."""
        return datetime(self.year, 1, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """First instant after the year (UTC)."""
        return datetime(self.year + 1, 1, 1, tzinfo=UTC)

    @property
    def quarters(self) -> tuple[Quarter, ...]:
        """The four quarters of the year."""
        return tuple(Quarter(self.year, q) for q in range(1, 5))

    def contains(self, instant: datetime) -> bool:
        """Whether an instant falls within the year."""
        return self.start <= instant < self.end


@cache
def stage_target_days(guidance_version: str, stage: str) -> int:
    """Target in calendar days of a timed stage under a guidance version (see module doc)."""
    version = load_version(guidance_version)
    total = 0
    for key in STAGE_TARGET_RULES[stage]:
        rule = version.timeline(key)
        if rule.unit is not ClockUnit.CALENDAR_DAYS:
            raise ValueError(f"timeline {key!r} is not counted in calendar days")
        total += rule.target
    return total


@dataclass(frozen=True)
class Labels:
    """Published labels of one release: pooled entities, periods, categories."""

    entity: Mapping[str, str]
    period: Mapping[Quarter, str]
    category: Mapping[str, str]

    @property
    def entity_order(self) -> tuple[str, ...]:
        """Entity labels as the rows show them, ``other`` last."""
        return ordered_labels(self.entity.values())

    @property
    def period_order(self) -> tuple[str, ...]:
        """Period labels in time order."""
        return tuple(dict.fromkeys(self.period[q] for q in sorted(self.period)))

    @property
    def category_order(self) -> tuple[str, ...]:
        """Category labels, ``other`` last."""
        return ordered_labels(self.category.values())


def build_labels(window: Window, counts: WindowCounts) -> Labels:
    """Pool entities (by cases active in the window), collapse thin years, limit categories."""
    active = {entity: count for entity, count in counts.active.items() if count}
    per_quarter: Counter[Quarter] = Counter()
    per_category: Counter[str] = Counter()
    for (_entity, category, quarter), count in counts.received.items():
        per_quarter[quarter] += count
        per_category[category] += count
    return Labels(
        entity=pool_entities(active) if active else {},
        period=period_labels({q: per_quarter[q] for q in window.quarters}),
        category=limit_categories(+per_category),
    )


def _table(
    name: str,
    population: str,
    row_labels: Sequence[str],
    column: str,
    column_labels: Sequence[str],
    counts: Mapping[tuple[str, str], int],
) -> CountTable | None:
    if not row_labels or not column_labels:
        return None
    return CountTable.from_counts(
        title=name,
        population=population,
        row_dimension="entity",
        column_dimension=column,
        row_labels=row_labels,
        column_labels=column_labels,
        counts=counts,
    )


def _tally(pairs: Iterable[tuple[tuple[str, str], int]]) -> Counter[tuple[str, str]]:
    """Add up counts whose coordinates map to the same published labels."""
    tally: Counter[tuple[str, str]] = Counter()
    for pair, count in pairs:
        tally[pair] += count
    return tally


def count_tables(window: Window, counts: WindowCounts, labels: Labels) -> dict[str, CountTable]:
    """Every count table of a system release, keyed by published table name.

    Tables of one population share their entity totals and grand total (one margin pairwise),
    which keeps the disclosure audit exact.
    """
    entity, period = labels.entity, labels.period
    rows = labels.entity_order
    periods = labels.period_order
    # A period's cases open at its end are those open at the end of its last quarter.
    last = {label: max(q for q in period if period[q] == label) for label in periods}
    received, closed = counts.received.items(), counts.closed.items()
    candidates = {
        "cases_received": _table(
            "cases_received",
            "received",
            rows,
            "period",
            periods,
            _tally(((entity[e], period[q]), n) for (e, _c, q), n in received),
        ),
        "cases_received_by_category": _table(
            "cases_received_by_category",
            "received",
            rows,
            "category",
            labels.category_order,
            _tally(((entity[e], labels.category[c]), n) for (e, c, _q), n in received),
        ),
        "cases_open_at_period_end": _table(
            "cases_open_at_period_end",
            "open_at_period_end",
            rows,
            "period",
            periods,
            _tally(
                ((entity[e], label), counts.open_at_end.get((e, quarter), 0))
                for e in entity
                for label, quarter in last.items()
            ),
        ),
        "cases_closed": _table(
            "cases_closed",
            "closed",
            rows,
            "period",
            periods,
            _tally(((entity[e], period[q]), n) for (e, _o, q), n in closed),
        ),
        "outcomes": _table(
            "outcomes",
            "closed",
            rows,
            "outcome",
            OUTCOME_GROUPS,
            _tally(((entity[e], _outcome_group(o)), n) for (e, o, _q), n in closed),
        ),
        "clock_stops": _events_table("clock_stops", labels, counts.clock_stops),
        "extensions": _events_table("extensions", labels, counts.extensions),
        "alerts_raised": _events_table("alerts_raised", labels, counts.alerts),
        "milestone_delivery": _milestones_table(labels, counts.milestones),
    }
    return {name: table for name, table in candidates.items() if table is not None}


def _events_table(
    name: str, labels: Labels, events: Mapping[tuple[str, Quarter], int]
) -> CountTable | None:
    """Approved stops or extensions by entity and period; an unpooled entity goes to other."""
    tally = _tally(
        ((labels.entity.get(e, OTHER_LABEL), labels.period[q]), n) for (e, q), n in events.items()
    )
    if not +tally:
        return None
    rows = labels.entity_order
    if any(label not in rows for label, _ in +tally):
        return None
    return _table(name, name, rows, "period", labels.period_order, tally)


def _milestones_table(
    labels: Labels, milestones: Mapping[tuple[str, str], int]
) -> CountTable | None:
    """Milestones due in the window by entity and delivery (on time, late, withheld)."""
    tally = _tally(
        ((labels.entity.get(e, OTHER_LABEL), delivery), n)
        for (e, delivery), n in milestones.items()
    )
    rows = labels.entity_order
    if not +tally or any(label not in rows for label, _ in +tally):
        return None
    return _table("milestone_delivery", "milestones_due", rows, "delivery", DELIVERIES, tally)


def _outcome_group(outcome: str | None) -> str:
    return "closed_other" if outcome is None else outcome_group_of(outcome)


def completed_stages(
    histogram: StageHistogram, entity: str | None = None
) -> dict[tuple[str, Quarter, ClosedStage], int]:
    """How many timed stages (of one entity, or all) were left per stage, quarter, days, target."""
    completed: Counter[tuple[str, Quarter, ClosedStage]] = Counter()
    for (code, stage, quarter, version, days), count in histogram.items():
        if stage not in STAGE_TARGET_RULES or (entity is not None and code != entity):
            continue
        completed[(stage, quarter, ClosedStage(days, stage_target_days(version, stage)))] += count
    return dict(completed)


@dataclass(frozen=True)
class FigureTable:
    """A table of published figures (medians, percentages): no margins, None where withheld."""

    title: str
    kind: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]


def duration_tables(
    window: Window,
    period: Mapping[Quarter, str],
    completed: Mapping[tuple[str, Quarter, ClosedStage], int],
) -> dict[str, FigureTable]:
    """Median weeks and share within target, by stage and period plus the whole year."""
    year_label = str(window.year)
    periods = tuple(dict.fromkeys(period[q] for q in sorted(period)))
    columns = periods if periods == (year_label,) else (*periods, year_label)
    groups: dict[tuple[str, str], Counter[ClosedStage]] = defaultdict(Counter)
    for (stage, quarter, closed), count in completed.items():
        groups[(stage, period[quarter])][closed] += count
        if period[quarter] != year_label:
            groups[(stage, year_label)][closed] += count
    summaries = {
        (stage, column): summarise_histogram(groups.get((stage, column), Counter()))
        for stage in TIMED_STAGES
        for column in columns
    }
    return {
        "stage_median_weeks": FigureTable(
            "stage_median_weeks",
            "median_weeks",
            TIMED_STAGES,
            columns,
            tuple(tuple(summaries[(s, c)].median_weeks for c in columns) for s in TIMED_STAGES),
        ),
        "stage_within_target_percent": FigureTable(
            "stage_within_target_percent",
            "percent",
            TIMED_STAGES,
            columns,
            tuple(
                tuple(summaries[(s, c)].within_target_percent for c in columns)
                for s in TIMED_STAGES
            ),
        ),
    }
