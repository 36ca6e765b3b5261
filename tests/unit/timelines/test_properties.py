"""Properties that must hold for any dates: stops never shorten, working days stay working."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.guidance import CaseEvent, ClockUnit, default_version
from casework.timelines import ClockStop, StopReason, WorkingCalendar, compute_deadlines, run_clock

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
units = st.sampled_from(list(ClockUnit))
counts = st.integers(min_value=0, max_value=200)
calendars = st.builds(
    WorkingCalendar,
    weekend=st.frozensets(st.integers(min_value=0, max_value=6), max_size=4),
    holidays=st.frozensets(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)), max_size=60
    ),
)


@st.composite
def clock_stops(draw: st.DrawFn) -> ClockStop:
    started_at = draw(instants)
    duration = draw(st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
    return ClockStop(
        started_at=started_at,
        ended_at=None if duration is None else started_at + duration,
        reason=draw(st.sampled_from(list(StopReason))),
        approved_by="supervisor-7",
    )


stop_lists = st.lists(clock_stops(), max_size=4)
NOW = datetime(2029, 6, 1, tzinfo=UTC)
# Clocks over long calendars take a few milliseconds; hypothesis' default deadline is too tight.
clock_settings = settings(deadline=None, max_examples=150)
# Start events of every default row, days after receipt, so the whole case can be shifted.
START_OFFSETS = {
    CaseEvent.RECEIVED: 0,
    CaseEvent.ASSESSMENT_STARTED: 7,
    CaseEvent.INVESTIGATION_ASSIGNED: 40,
    CaseEvent.FINAL_REPORT: 120,
    CaseEvent.REFERRED: 140,
    CaseEvent.MEMORANDUM_ISSUED: 160,
    CaseEvent.RESPONSE_RECEIVED: 170,
}


@clock_settings
@given(instants, units, counts, calendars, stop_lists, clock_stops())
def test_adding_a_stop_never_moves_a_deadline_earlier(
    start: datetime,
    unit: ClockUnit,
    count: int,
    calendar: WorkingCalendar,
    stops: list[ClockStop],
    extra: ClockStop,
) -> None:
    without_extra = run_clock(start, unit, count, calendar, stops, NOW)
    with_extra = run_clock(start, unit, count, calendar, [*stops, extra], NOW)
    assert with_extra >= without_extra
    assert run_clock(start, unit, count, calendar, (), NOW) <= without_extra


@clock_settings
@given(instants, counts, calendars, stop_lists)
def test_a_working_day_deadline_never_falls_on_a_non_working_day(
    start: datetime, count: int, calendar: WorkingCalendar, stops: list[ClockStop]
) -> None:
    due = run_clock(start, ClockUnit.WORKING_DAYS, count, calendar, stops, NOW)
    assert calendar.is_working_day(due.date())
    assert due >= start


@clock_settings
@given(instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)), units,
       counts, calendars, stop_lists)  # fmt: skip
def test_a_later_start_never_gives_an_earlier_deadline(
    start: datetime,
    delay: timedelta,
    unit: ClockUnit,
    count: int,
    calendar: WorkingCalendar,
    stops: list[ClockStop],
) -> None:
    earlier = run_clock(start, unit, count, calendar, stops, NOW)
    later = run_clock(start + delay, unit, count, calendar, stops, NOW)
    assert later >= earlier


@clock_settings
@given(instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)), calendars,
       stop_lists)  # fmt: skip
def test_every_default_deadline_moves_later_with_a_later_start(
    received: datetime, delay: timedelta, calendar: WorkingCalendar, stops: list[ClockStop]
) -> None:
    events = {event: received + timedelta(days=days) for event, days in START_OFFSETS.items()}
    delayed = {event: instant + delay for event, instant in events.items()}
    guidance = default_version()
    earlier = compute_deadlines(guidance, calendar, events, NOW, stops)
    later = compute_deadlines(guidance, calendar, delayed, NOW, stops)
    assert len(earlier) == len(guidance.timelines)
    for before, after in zip(earlier, later, strict=True):
        assert before.key == after.key
        assert after.due_at >= before.due_at
        assert after.amber_at >= before.amber_at
        assert after.red_at >= before.red_at


@clock_settings
@given(instants, st.integers(min_value=1, max_value=30))
def test_working_days_from_a_working_day_keep_the_time_of_day(start: datetime, days: int) -> None:
    calendar = WorkingCalendar()
    start = datetime.combine(calendar.next_working_day(start.date()), start.timetz())
    due = calendar.add_working_days(start, days)
    assert due.timetz() == start.timetz()
    assert calendar.is_working_day(due.date())
    # Exactly `days` working days lie after the start day, up to and including the due day.
    counted = [
        start.date() + timedelta(days=offset)
        for offset in range(1, (due.date() - start.date()).days + 1)
    ]
    assert sum(calendar.is_working_day(day) for day in counted) == days
