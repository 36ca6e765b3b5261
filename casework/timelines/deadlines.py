"""Deadlines of a case: guidance version + calendar + events + stops + extensions -> deadlines."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from casework.guidance import CaseEvent, GuidanceVersion, TimelineRule
from casework.timelines._periods import require_utc
from casework.timelines.calendar import WorkingCalendar
from casework.timelines.clock import ClockStop, run_clock
from casework.timelines.errors import ExtensionRejected, TimelineError

_KNOWN_EVENTS = frozenset(event.value for event in CaseEvent)

# When each event first happened, keyed by CaseEvent or its string value.
CaseEvents = Mapping[CaseEvent, datetime] | Mapping[str, datetime]


@dataclass(frozen=True)
class Extension:
    """An approved extension of one deadline by `amount` units of its rule (days or hours)."""

    deadline_key: str
    amount: int
    reason: str
    approved_by: str
    granted_at: datetime

    def __post_init__(self) -> None:
        require_utc(self.granted_at, "extension granted_at")
        if not self.reason.strip():
            raise ExtensionRejected(f"extension of '{self.deadline_key}' needs a reason")
        if not self.approved_by.strip():
            raise ExtensionRejected(f"extension of '{self.deadline_key}' needs an approver")
        if self.amount <= 0:
            raise ExtensionRejected(f"extension of '{self.deadline_key}' must be positive")


@dataclass(frozen=True)
class ComputedDeadline:
    """One clock of a case, with every instant the DB layer stores and scans."""

    key: str
    starts_at: datetime
    due_at: datetime
    amber_at: datetime
    red_at: datetime
    ceiling_at: datetime | None
    met_at: datetime | None
    extended_by: int
    # True while an open clock stop holds this deadline still; its instants move with `now`.
    paused: bool


class DeadlineStatus(StrEnum):
    """Where a deadline stands at a given instant."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    MET = "met"
    MET_LATE = "met_late"


def compute_deadlines(
    guidance: GuidanceVersion,
    calendar: WorkingCalendar,
    events: CaseEvents,
    now: datetime,
    stops: Sequence[ClockStop] = (),
    extensions: Sequence[Extension] = (),
) -> list[ComputedDeadline]:
    """Compute every deadline whose start event has happened, in guidance order.

    `events` maps a CaseEvent (or its value) to the instant it first happened. `now` only
    closes open clock stops; it never decides which deadlines exist.
    """
    require_utc(now, "now")
    for name, instant in events.items():
        if name not in _KNOWN_EVENTS:
            raise TimelineError(f"unknown case event '{name}'")
        require_utc(instant, f"event '{name}'")
    check_extensions(guidance, extensions)
    deadlines = []
    for rule in guidance.timelines:
        starts_at = _earliest(events, rule.starts_on)
        if starts_at is None:
            continue
        granted = [extension for extension in extensions if extension.deadline_key == rule.key]
        deadlines.append(
            _deadline(
                rule, starts_at, _earliest(events, rule.met_by), calendar, stops, granted, now
            )
        )
    return deadlines


def _deadline(
    rule: TimelineRule,
    starts_at: datetime,
    met_at: datetime | None,
    calendar: WorkingCalendar,
    stops: Sequence[ClockStop],
    granted: Sequence[Extension],
    now: datetime,
) -> ComputedDeadline:
    extended_by = sum(extension.amount for extension in granted)

    def at(count: int) -> datetime:
        return run_clock(starts_at, rule.unit, count, calendar, stops, now, stops_until=met_at)

    def shifted(threshold: int) -> int:
        # Thresholds move with the due date, or an extended deadline would be red at once;
        # the hard ceiling never moves.
        moved = threshold + extended_by
        return moved if rule.ceiling is None else min(moved, rule.ceiling)

    due_at = at(rule.target + extended_by)
    paused = met_at is None and any(
        stop.ended_at is None and stop.started_at < due_at for stop in stops
    )
    return ComputedDeadline(
        key=rule.key,
        starts_at=starts_at,
        due_at=due_at,
        amber_at=at(shifted(rule.amber)),
        red_at=at(shifted(rule.red)),
        ceiling_at=None if rule.ceiling is None else at(rule.ceiling),
        met_at=met_at,
        extended_by=extended_by,
        paused=paused,
    )


def _earliest(events: CaseEvents, names: tuple[CaseEvent, ...]) -> datetime | None:
    # StrEnum members hash and compare as their values, so either kind of key is found.
    instants = [when for name, when in events.items() if name in names]
    return min(instants) if instants else None


def check_extensions(guidance: GuidanceVersion, extensions: Sequence[Extension]) -> None:
    """Raise ExtensionRejected unless every extension is allowed by the guidance, in grant order."""
    totals: dict[str, int] = {}
    counts: dict[str, int] = {}
    for extension in sorted(extensions, key=lambda item: item.granted_at):
        key = extension.deadline_key
        try:
            rule = guidance.timeline(key)
        except KeyError:
            raise ExtensionRejected(f"guidance has no deadline '{key}' to extend") from None
        counts[key] = counts.get(key, 0) + 1
        totals[key] = totals.get(key, 0) + extension.amount
        if rule.max_extensions == 0:
            raise ExtensionRejected(f"deadline '{key}' cannot be extended")
        if counts[key] > rule.max_extensions:
            raise ExtensionRejected(
                f"deadline '{key}' can be extended at most {rule.max_extensions} time(s)"
            )
        if rule.max_extension is not None and extension.amount > rule.max_extension:
            raise ExtensionRejected(
                f"deadline '{key}' can be extended by at most {rule.max_extension} {rule.unit}"
            )
        if rule.ceiling is not None and rule.target + totals[key] > rule.ceiling:
            raise ExtensionRejected(
                f"deadline '{key}' cannot be extended past its ceiling of {rule.ceiling} "
                f"{rule.unit}; escalate to the head of entity instead"
            )


def check_new_extension(
    guidance: GuidanceVersion, granted: Sequence[Extension], requested: Extension
) -> None:
    """Raise ExtensionRejected unless `requested` may be added to the extensions already granted."""
    check_extensions(guidance, [*granted, requested])


def status(deadline: ComputedDeadline, now: datetime) -> DeadlineStatus:
    """Classify a deadline at `now`; meeting it exactly at `due_at` counts as on time."""
    require_utc(now, "now")
    if deadline.met_at is not None and deadline.met_at <= now:
        return DeadlineStatus.MET if deadline.met_at <= deadline.due_at else DeadlineStatus.MET_LATE
    if now >= deadline.red_at:
        return DeadlineStatus.RED
    if now >= deadline.amber_at:
        return DeadlineStatus.AMBER
    return DeadlineStatus.GREEN


def next_deadline(deadlines: Iterable[ComputedDeadline], now: datetime) -> ComputedDeadline | None:
    """The unmet deadline due soonest (an overdue one first); None when all are met."""
    require_utc(now, "now")
    open_deadlines = [
        deadline for deadline in deadlines if deadline.met_at is None or deadline.met_at > now
    ]
    return min(open_deadlines, key=lambda deadline: deadline.due_at, default=None)
