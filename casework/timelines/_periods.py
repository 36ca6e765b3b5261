"""Running periods of a clock and how far a clock gets along them; shared by calendar and clock."""

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from casework.timelines.errors import TimelineError

# A half-open span [begin, end) during which a clock runs; end None means it never stops.
Period = tuple[datetime, datetime | None]


def require_utc(value: datetime, name: str) -> datetime:
    """Reject naive or non-UTC datetimes: mixing offsets would silently move deadlines."""
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise TimelineError(f"{name} must be a timezone-aware UTC datetime")
    return value


def midnight(day: date) -> datetime:
    """The instant a UTC day begins."""
    return datetime.combine(day, time(), tzinfo=UTC)


def run_for(periods: Iterable[Period], amount: timedelta) -> datetime:
    """Return the last instant at which a clock running over `periods` has not passed `amount`.

    Taking the last such instant (not the first) means a clock that completes exactly as a
    non-running gap begins is due when the gap ends: a working-day deadline completed at the
    end of Friday is due at the start of Monday, so it never falls on a non-working day.
    """
    remaining = amount
    for begin, end in periods:
        if end is None or end - begin > remaining:
            return begin + remaining
        remaining -= end - begin
    raise TimelineError("the clock never runs long enough to reach its target")


def without(
    periods: Iterable[Period], gaps: Sequence[tuple[datetime, datetime]]
) -> Iterator[Period]:
    """Cut sorted, non-overlapping `gaps` out of `periods`."""
    for begin, end in periods:
        cursor = begin
        for gap_begin, gap_end in gaps:
            if gap_end <= cursor:
                continue
            if end is not None and gap_begin >= end:
                break
            if gap_begin > cursor:
                yield cursor, gap_begin
            cursor = max(cursor, gap_end)
        if end is None or cursor < end:
            yield cursor, end


def merged(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sort spans and merge the ones that overlap or touch."""
    result: list[tuple[datetime, datetime]] = []
    for begin, end in sorted(spans):
        if result and begin <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((begin, end))
    return result
