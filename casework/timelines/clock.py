"""Clock stops and the one function that runs a clock: start + amount, skipping stopped time.

A stop pauses every clock running while it lasts; each deadline it overlaps moves later by the
stopped time that fell on the clock's running time (for working-day clocks, only stopped working
time counts). A stop never moves a deadline earlier. An open stop is treated as lasting until
`now`, so deadlines keep moving while it stays open.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from casework.guidance import ClockUnit
from casework.timelines._periods import Period, merged, require_utc, run_for, without
from casework.timelines.calendar import WorkingCalendar
from casework.timelines.errors import InvalidClockStop


class StopReason(StrEnum):
    """The only grounds on which a clock may stop (domain.md section 4)."""

    INFORMAL_RESOLUTION = "informal_resolution"
    MEDIATION = "mediation"
    SUBJECT_SICK_LEAVE = "subject_sick_leave"
    EXTERNAL_INFORMATION_REQUEST = "external_information_request"


@dataclass(frozen=True)
class ClockStop:
    """An approved pause of the case's clocks; `ended_at` None means it is still in force."""

    started_at: datetime
    ended_at: datetime | None
    reason: StopReason
    approved_by: str

    def __post_init__(self) -> None:
        require_utc(self.started_at, "clock stop started_at")
        if self.ended_at is not None:
            require_utc(self.ended_at, "clock stop ended_at")
            if self.ended_at < self.started_at:
                raise InvalidClockStop("a clock stop cannot end before it starts")
        if not isinstance(self.reason, StopReason):
            raise InvalidClockStop("a clock stop needs one of the recorded reasons")
        if not self.approved_by.strip():
            raise InvalidClockStop("a clock stop needs an approver")


def amount_of(unit: ClockUnit, count: int) -> timedelta:
    """The running time `count` units take on a clock of that unit."""
    if unit is ClockUnit.HOURS:
        return timedelta(hours=count)
    return timedelta(days=count)


def run_clock(
    start: datetime,
    unit: ClockUnit,
    count: int,
    calendar: WorkingCalendar,
    stops: Sequence[ClockStop] = (),
    now: datetime | None = None,
    stops_until: datetime | None = None,
) -> datetime:
    """When a clock started at `start` has run `count` units, pausing during stops.

    `now` closes open stops (required if any stop is open); stops beginning at or after
    `stops_until` are ignored, because a clock that has been met no longer moves.
    """
    require_utc(start, "clock start")
    running: Iterator[Period]
    if unit is ClockUnit.WORKING_DAYS:
        running = calendar.working_periods(start)
    else:
        running = iter([(start, None)])
    gaps = stopped_spans(stops, now, stops_until)
    return run_for(without(running, gaps), amount_of(unit, count))


def stopped_spans(
    stops: Sequence[ClockStop], now: datetime | None, stops_until: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """The merged spans during which clocks were stopped, open stops closed at `now`."""
    spans: list[tuple[datetime, datetime]] = []
    for stop in stops:
        if stops_until is not None and stop.started_at >= stops_until:
            continue
        end = stop.ended_at
        if end is None:
            if now is None:
                raise InvalidClockStop("an open clock stop needs `now` to be measured")
            end = max(require_utc(now, "now"), stop.started_at)
        if stops_until is not None:
            end = min(end, stops_until)
        spans.append((stop.started_at, end))
    return merged(spans)
