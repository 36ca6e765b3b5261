"""Frozen, typed model of one guidance version, as loaded from its data file."""

from dataclasses import dataclass
from datetime import date

from casework.guidance.vocabulary import AppealAnchor, CaseEvent, ClockUnit, Stage


@dataclass(frozen=True)
class TimelineRule:
    """One row of the timeline table: a clock from `starts_on` to `met_by`, with its thresholds."""

    key: str
    title: str
    stage: Stage | None
    # Several events are allowed so that, e.g., closure also stops the end-to-end clock;
    # the earliest recorded one counts.
    starts_on: tuple[CaseEvent, ...]
    met_by: tuple[CaseEvent, ...]
    unit: ClockUnit
    target: int
    amber: int
    red: int
    ceiling: int | None
    recurs_every_days: int | None
    max_extensions: int
    max_extension: int | None
    milestone: str | None


@dataclass(frozen=True)
class Milestone:
    """A communication milestone owed to the affected person (M1..M9)."""

    key: str
    title: str
    fired_on: tuple[CaseEvent, ...]
    due_unit: ClockUnit
    # Offsets after the firing event at which a message is due (M9: 30 and 90 days).
    due_after: tuple[int, ...]
    # A cadence repeated from the last message sent (M4: every 30 days).
    repeat_every_days: int | None
    human_review: bool
    may_say: tuple[str, ...]
    must_not_say: tuple[str, ...]


@dataclass(frozen=True)
class GuidanceNote:
    """A guidance note for decision makers, cited by checklist items."""

    key: str
    title: str
    summary: str


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to do in a stage, with the guidance notes that apply to it."""

    key: str
    text: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    """The ordered checklist for one stage."""

    stage: Stage
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class AppealWindow:
    """A period in which a decision can be contested, counted in calendar days from a notice."""

    key: str
    title: str
    anchor: AppealAnchor
    days: int
    counted_from_next_day: bool


@dataclass(frozen=True)
class GuidanceVersion:
    """One immutable version of the timeline, communication and checklist guidance."""

    version: str
    effective_from: date
    description: str
    timelines: tuple[TimelineRule, ...]
    milestones: tuple[Milestone, ...]
    notes: tuple[GuidanceNote, ...]
    checklists: tuple[Checklist, ...]
    appeal_windows: tuple[AppealWindow, ...]

    def timeline(self, key: str) -> TimelineRule:
        """Return the timeline rule with this key; KeyError if there is none."""
        for rule in self.timelines:
            if rule.key == key:
                return rule
        raise KeyError(key)

    def milestone(self, key: str) -> Milestone:
        """Return the milestone with this key; KeyError if there is none."""
        for milestone in self.milestones:
            if milestone.key == key:
                return milestone
        raise KeyError(key)

    def checklist(self, stage: Stage) -> Checklist:
        """Return the checklist of a stage (empty if the version has none)."""
        for checklist in self.checklists:
            if checklist.stage == stage:
                return checklist
        return Checklist(stage=stage, items=())
