"""An entity's working calendar: which days count when a rule says working days.

Days are UTC days. A working-day deadline keeps the time of day of its start ("2 working days
from Friday 15:00" is Tuesday 15:00). A clock started on a non-working day starts at 00:00 of the
next working day, and its deadline is 00:00 at the start of the working day after the last one
counted, so every working day counted is available in full. Either way it falls on a working day.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from casework.timelines._periods import Period, midnight, require_utc, run_for
from casework.timelines.errors import TimelineError

SATURDAY = 5
SUNDAY = 6


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekend weekdays (Monday=0 .. Sunday=6) and holiday dates of one entity."""

    weekend: frozenset[int] = frozenset({SATURDAY, SUNDAY})
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.weekend <= set(range(7)):
            raise TimelineError("weekend days must be weekday numbers 0 (Monday) to 6 (Sunday)")
        if len(self.weekend) == 7:
            raise TimelineError("a calendar needs at least one working weekday")

    def is_working_day(self, day: date) -> bool:
        """True if the day is neither a weekend day nor a holiday."""
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The deadline `days` working days after `start` (see the module docstring)."""
        require_utc(start, "start")
        if days < 0:
            raise TimelineError("working days to add must be 0 or more")
        return run_for(self.working_periods(start), timedelta(days=days))

    def working_periods(self, start: datetime) -> Iterator[Period]:
        """Yield each working day from `start` on as a span of running time, endlessly."""
        day = start.date()
        while True:
            if self.is_working_day(day):
                yield max(start, midnight(day)), midnight(day + timedelta(days=1))
            day += timedelta(days=1)
