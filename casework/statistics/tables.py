"""The fixed tables of a release, built from plaintext rows of one calendar year (pure).

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
from itertools import pairwise

from casework.guidance import ClockUnit, load_version
from casework.statistics.disclosure_durations import ClosedStage, summarise_durations
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
from casework.statistics.queries import CaseRow, ClockEventRow, MilestoneRow, StageChangeRow

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


def quarter_of(instant: datetime) -> Quarter:
    """The calendar quarter (UTC) of an instant."""
    utc = instant.astimezone(UTC)
    return Quarter(utc.year, (utc.month - 1) // 3 + 1)


def quarter_end(quarter: Quarter) -> datetime:
    """First instant after a quarter (UTC)."""
    if quarter.quarter == 4:
        return datetime(quarter.year + 1, 1, 1, tzinfo=UTC)
    return datetime(quarter.year, 3 * quarter.quarter + 1, 1, tzinfo=UTC)


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


def active_in(window: Window, case: CaseRow) -> bool:
    """Whether a case was open at some instant of the window."""
    return case.opened_at < window.end and (
        case.closed_at is None or case.closed_at >= window.start
    )


def build_labels(window: Window, cases: Sequence[CaseRow]) -> Labels:
    """Pool entities (by cases active in the window), collapse thin years, limit categories."""
    active = Counter(case.entity for case in cases if active_in(window, case))
    received = [case for case in cases if window.contains(case.opened_at)]
    per_quarter = Counter(quarter_of(case.opened_at) for case in received)
    return Labels(
        entity=pool_entities(active) if active else {},
        period=period_labels({q: per_quarter[q] for q in window.quarters}),
        category=limit_categories(Counter(case.category for case in received)),
    )


def _table(
    name: str,
    population: str,
    row_labels: Sequence[str],
    column: str,
    column_labels: Sequence[str],
    pairs: Iterable[tuple[str, str]],
) -> CountTable | None:
    if not row_labels or not column_labels:
        return None
    return CountTable.from_pairs(
        title=name,
        population=population,
        row_dimension="entity",
        column_dimension=column,
        row_labels=row_labels,
        column_labels=column_labels,
        pairs=pairs,
    )


def count_tables(
    window: Window,
    cases: Sequence[CaseRow],
    labels: Labels,
    clock_stops: Sequence[ClockEventRow] = (),
    extensions: Sequence[ClockEventRow] = (),
    alerts: Sequence[ClockEventRow] = (),
    milestones: Sequence[MilestoneRow] = (),
) -> dict[str, CountTable]:
    """Every count table of a system release, keyed by published table name.

    Tables of one population share their entity totals and grand total (one margin pairwise),
    which keeps the disclosure audit exact.
    """
    entity, period = labels.entity, labels.period
    rows = labels.entity_order
    periods = labels.period_order
    received = [c for c in cases if window.contains(c.opened_at)]
    closed = [c for c in cases if c.closed_at is not None and window.contains(c.closed_at)]
    ends = {label: max(quarter_end(q) for q in period if period[q] == label) for label in periods}
    open_pairs = [
        (entity[c.entity], label)
        for c in cases
        if active_in(window, c)
        for label, end in ends.items()
        if c.opened_at < end and (c.closed_at is None or c.closed_at >= end)
    ]
    candidates = {
        "cases_received": _table(
            "cases_received",
            "received",
            rows,
            "period",
            periods,
            ((entity[c.entity], period[quarter_of(c.opened_at)]) for c in received),
        ),
        "cases_received_by_category": _table(
            "cases_received_by_category",
            "received",
            rows,
            "category",
            labels.category_order,
            ((entity[c.entity], labels.category[c.category]) for c in received),
        ),
        "cases_open_at_period_end": _table(
            "cases_open_at_period_end", "open_at_period_end", rows, "period", periods, open_pairs
        ),
        "cases_closed": _table(
            "cases_closed",
            "closed",
            rows,
            "period",
            periods,
            ((entity[c.entity], period[quarter_of(_closed_at(c))]) for c in closed),
        ),
        "outcomes": _table(
            "outcomes",
            "closed",
            rows,
            "outcome",
            OUTCOME_GROUPS,
            ((entity[c.entity], _outcome_group(c.outcome)) for c in closed),
        ),
        "clock_stops": _events_table("clock_stops", window, labels, clock_stops),
        "extensions": _events_table("extensions", window, labels, extensions),
        "alerts_raised": _events_table("alerts_raised", window, labels, alerts),
        "milestone_delivery": _milestones_table(window, labels, milestones),
    }
    return {name: table for name, table in candidates.items() if table is not None}


def _events_table(
    name: str, window: Window, labels: Labels, events: Sequence[ClockEventRow]
) -> CountTable | None:
    """Approved stops or extensions by entity and period; an unpooled entity goes to other."""
    in_window = [event for event in events if window.contains(event.at)]
    if not in_window:
        return None
    rows = labels.entity_order
    pairs = [
        (labels.entity.get(event.entity, OTHER_LABEL), labels.period[quarter_of(event.at)])
        for event in in_window
    ]
    if any(label not in rows for label, _ in pairs):
        return None
    return _table(name, name, rows, "period", labels.period_order, pairs)


def _milestones_table(
    window: Window, labels: Labels, milestones: Sequence[MilestoneRow]
) -> CountTable | None:
    """Milestones due in the window by entity and delivery (on time, late, withheld)."""
    due = [row for row in milestones if window.contains(row.due_at)]
    rows = labels.entity_order
    pairs = [(labels.entity.get(row.entity, OTHER_LABEL), row.delivery) for row in due]
    if not due or any(label not in rows for label, _ in pairs):
        return None
    return _table("milestone_delivery", "milestones_due", rows, "delivery", DELIVERIES, pairs)


def _closed_at(case: CaseRow) -> datetime:
    assert case.closed_at is not None
    return case.closed_at


def _outcome_group(outcome: str | None) -> str:
    return "closed_other" if outcome is None else outcome_group_of(outcome)


def completed_stages(
    window: Window, cases: Sequence[CaseRow], changes: Sequence[StageChangeRow]
) -> list[tuple[str, Quarter, ClosedStage]]:
    """Each timed stage left within the window: (stage, quarter left, days and target)."""
    by_case: dict[int, list[StageChangeRow]] = defaultdict(list)
    for change in changes:
        by_case[change.case_id].append(change)
    versions = {case.case_id: case.guidance_version for case in cases}
    completed: list[tuple[str, Quarter, ClosedStage]] = []
    for case_id, history in by_case.items():
        if case_id not in versions:
            continue
        ordered = sorted(history, key=lambda change: change.changed_at)
        for entered, left in pairwise(ordered):
            stage = entered.to_stage
            if stage not in STAGE_TARGET_RULES or not window.contains(left.changed_at):
                continue
            days = max(0, (left.changed_at - entered.changed_at).days)
            target = stage_target_days(versions[case_id], stage)
            completed.append((stage, quarter_of(left.changed_at), ClosedStage(days, target)))
    return completed


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
    completed: Sequence[tuple[str, Quarter, ClosedStage]],
) -> dict[str, FigureTable]:
    """Median weeks and share within target, by stage and period plus the whole year."""
    year_label = str(window.year)
    periods = tuple(dict.fromkeys(period[q] for q in sorted(period)))
    columns = periods if periods == (year_label,) else (*periods, year_label)
    groups: dict[tuple[str, str], list[ClosedStage]] = defaultdict(list)
    for stage, quarter, closed in completed:
        groups[(stage, period[quarter])].append(closed)
        if period[quarter] != year_label:
            groups[(stage, year_label)].append(closed)
    summaries = {
        (stage, column): summarise_durations(groups.get((stage, column), []))
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
