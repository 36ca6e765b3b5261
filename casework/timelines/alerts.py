"""Which alert thresholds a deadline has crossed, so a scan can raise one alert per threshold."""

from collections.abc import Collection, Iterable
from datetime import datetime
from enum import StrEnum

from casework.timelines._periods import require_utc
from casework.timelines.deadlines import ComputedDeadline


class Threshold(StrEnum):
    """An alert level: amber warns the owner, red the supervisor, ceiling the head of entity."""

    AMBER = "amber"
    RED = "red"
    CEILING = "ceiling"


def crossed_thresholds(deadline: ComputedDeadline, now: datetime) -> tuple[Threshold, ...]:
    """Thresholds reached at `now` by a deadline not yet met, lowest first; () once met."""
    require_utc(now, "now")
    if deadline.met_at is not None and deadline.met_at <= now:
        return ()
    crossed = []
    if now >= deadline.amber_at:
        crossed.append(Threshold.AMBER)
    if now >= deadline.red_at:
        crossed.append(Threshold.RED)
    if deadline.ceiling_at is not None and now >= deadline.ceiling_at:
        crossed.append(Threshold.CEILING)
    return tuple(crossed)


def threshold_instants(deadline: ComputedDeadline) -> dict[Threshold, datetime]:
    """When each threshold of a deadline is reached, lowest first."""
    instants = {Threshold.AMBER: deadline.amber_at, Threshold.RED: deadline.red_at}
    if deadline.ceiling_at is not None:
        instants[Threshold.CEILING] = deadline.ceiling_at
    return instants


def next_alert_at(
    deadline: ComputedDeadline, already_alerted: Collection[Threshold] = ()
) -> datetime | None:
    """The earliest threshold instant not yet alerted; None once met or every one is alerted."""
    if deadline.met_at is not None:
        return None
    pending = [
        instant
        for threshold, instant in threshold_instants(deadline).items()
        if threshold not in already_alerted
    ]
    return min(pending, default=None)


def held_by_stop(deadline: ComputedDeadline, open_stops_started: Iterable[datetime]) -> bool:
    """True while an open clock stop holds an unmet deadline: a threshold still ahead moves.

    A held deadline raises no alert: its instants move later with every moment the stop lasts.
    A stop begun after every threshold instant holds nothing (those thresholds stay crossed).
    """
    if deadline.met_at is not None:
        return False
    latest = max(threshold_instants(deadline).values())
    return any(started < latest for started in open_stops_started)
