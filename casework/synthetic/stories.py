"""Case stories: a seeded, plausible life of one case (stages, events, steps, clocks). Pure.

A story is drawn from a `random.Random`, so the same seed and index always give the same case.
Paths follow the stage table and its guards (casework.cases.stages): a case reaches the
disciplinary stage only with a sufficient finding and closes as substantiated only after a
decision, so every generated case is one the real services could have produced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casework.cases.models import Finding, Outcome, Priority, Stage
from casework.cases.steps import StepKind
from casework.guidance import CaseEvent

CATEGORIES = ("verbal", "non_verbal", "physical", "online", "quid_pro_quo", "sexual_assault")
CHANNELS = ("email", "hotline", "in_person", "portal", "referral")
PARTY_COUNT_WEIGHTS = ((2, 60), (3, 30), (4, 10))  # affected + subject, plus witnesses

# (final stage reached before closing, outcome, weight); None outcome means still open there.
_ROUTES: tuple[tuple[Stage, Outcome, int], ...] = (
    (Stage.INTAKE, Outcome.NOT_PURSUED, 5),
    (Stage.INTAKE, Outcome.REFERRED_ELSEWHERE, 5),
    (Stage.ASSESSMENT, Outcome.NOT_PURSUED, 14),
    (Stage.ASSESSMENT, Outcome.RESOLVED_INFORMALLY, 10),
    (Stage.ASSESSMENT, Outcome.REFERRED_ELSEWHERE, 6),
    (Stage.INVESTIGATION, Outcome.NOT_PURSUED, 5),
    (Stage.INVESTIGATION, Outcome.RESOLVED_INFORMALLY, 5),
    (Stage.INVESTIGATION, Outcome.UNSUBSTANTIATED, 10),
    (Stage.REFERRAL, Outcome.UNSUBSTANTIATED, 8),
    (Stage.REFERRAL, Outcome.NOT_PURSUED, 2),
    (Stage.DISCIPLINARY, Outcome.SUBSTANTIATED, 24),
    (Stage.DISCIPLINARY, Outcome.UNSUBSTANTIATED, 6),
)
_PATH = (Stage.INTAKE, Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.REFERRAL, Stage.DISCIPLINARY)
# Days a case typically spends in each stage: (low, mode, high) of a triangular draw.
_STAGE_DAYS: dict[Stage, tuple[float, float, float]] = {
    Stage.INTAKE: (0.5, 3, 20),
    Stage.ASSESSMENT: (5, 20, 90),
    Stage.INVESTIGATION: (30, 110, 400),
    Stage.REFERRAL: (5, 25, 120),
    Stage.DISCIPLINARY: (20, 70, 300),
}
_ENTRY_EVENTS: dict[Stage, tuple[CaseEvent, ...]] = {
    Stage.ASSESSMENT: (CaseEvent.ASSESSMENT_STARTED,),
    Stage.INVESTIGATION: (CaseEvent.ASSESSMENT_DECIDED, CaseEvent.INVESTIGATION_ASSIGNED),
    Stage.REFERRAL: (CaseEvent.FINAL_REPORT,),
    Stage.DISCIPLINARY: (CaseEvent.REFERRED,),
}
_WORK_STEPS = (
    StepKind.INTERVIEW,
    StepKind.EVIDENCE_RECEIVED,
    StepKind.NOTE,
    StepKind.CONTACT_AFFECTED,
)


@dataclass(frozen=True)
class StageMove:
    """One entry of the stage history."""

    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    outcome: Outcome | None = None


@dataclass(frozen=True)
class StepPlan:
    """One logged step: its kind and when it happened."""

    kind: StepKind
    at: datetime


@dataclass(frozen=True)
class StopPlan:
    """An approved clock stop; `ended_at` None while it is still in force."""

    started_at: datetime
    ended_at: datetime | None
    reason: str


@dataclass(frozen=True)
class ExtensionPlan:
    """An approved extension of one deadline."""

    deadline_key: str
    amount: int
    granted_at: datetime


@dataclass
class CaseStory:
    """Everything about one synthetic case, before encryption."""

    index: int
    entity_index: int
    category: str
    priority: Priority
    channel: str
    anonymous: bool
    received_at: datetime
    stage: Stage
    outcome: Outcome | None
    closed_at: datetime | None
    party_count: int
    findings: tuple[Finding | None, ...]
    moves: list[StageMove] = field(default_factory=list)
    events: dict[str, datetime] = field(default_factory=dict)
    steps: list[StepPlan] = field(default_factory=list)
    stops: list[StopPlan] = field(default_factory=list)
    extensions: list[ExtensionPlan] = field(default_factory=list)
    decided_at: datetime | None = None


def _weighted(rng: random.Random, options: tuple[tuple[object, int], ...]) -> object:
    values = [value for value, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(values, weights)[0]


def _days(rng: random.Random, stage: Stage) -> timedelta:
    low, mode, high = _STAGE_DAYS[stage]
    return timedelta(days=rng.triangular(low, high, mode))


def _findings(
    rng: random.Random, count: int, final: Stage, outcome: Outcome
) -> tuple[Finding, ...]:
    findings = [rng.choice((Finding.NO_EVIDENCE, Finding.INSUFFICIENT)) for _ in range(count)]
    if final is Stage.DISCIPLINARY:
        findings[0] = Finding.SUFFICIENT
    elif outcome is Outcome.UNSUBSTANTIATED:
        findings = [Finding.INSUFFICIENT] * count
    return tuple(findings)


def draw_story(
    rng: random.Random, index: int, entity_weights: list[float], now: datetime, span_days: int
) -> CaseStory:
    """Draw the whole life of one case received within `span_days` before `now`."""
    received = now - timedelta(
        days=span_days * (1 - rng.random() ** 0.8), minutes=rng.randrange(600)
    )
    route = rng.choices(_ROUTES, [weight for *_, weight in _ROUTES])[0]
    final, outcome = route[0], route[1]
    allegations = rng.choice((1, 1, 1, 2, 2, 3))
    story = CaseStory(
        index=index,
        entity_index=rng.choices(range(len(entity_weights)), entity_weights)[0],
        category=rng.choice(CATEGORIES),
        priority=rng.choices(list(Priority), (80, 15, 5))[0],
        channel=rng.choice(CHANNELS),
        anonymous=rng.random() < 0.12,
        received_at=received,
        stage=Stage.INTAKE,
        outcome=None,
        closed_at=None,
        party_count=int(str(_weighted(rng, PARTY_COUNT_WEIGHTS))),
        findings=(None,) * allegations,
    )
    story.moves.append(StageMove(None, Stage.INTAKE, received))
    story.events[CaseEvent.RECEIVED.value] = received
    _walk(rng, story, final, outcome, now)
    _add_steps(rng, story, now)
    _add_clock_records(rng, story, now)
    return story


def _record(story: CaseStory, event: CaseEvent, at: datetime, now: datetime) -> None:
    if at <= now:
        story.events.setdefault(event.value, at)


def _walk(
    rng: random.Random, story: CaseStory, final: Stage, outcome: Outcome, now: datetime
) -> None:
    at = story.received_at
    _record(story, CaseEvent.SAFETY_TRIAGED, at + timedelta(hours=rng.uniform(1, 40)), now)
    _record(story, CaseEvent.ACKNOWLEDGED, at + timedelta(hours=rng.uniform(2, 90)), now)
    for stage in _PATH:
        at = at + _days(rng, stage)
        if at > now:
            return
        if stage is final:
            if stage is Stage.DISCIPLINARY and outcome is Outcome.SUBSTANTIATED:
                story.decided_at = at - timedelta(days=rng.uniform(1, 10))
                _record(story, CaseEvent.DECISION, story.decided_at, now)
            if stage in (Stage.INVESTIGATION, Stage.REFERRAL, Stage.DISCIPLINARY):
                story.findings = _findings(rng, len(story.findings), final, outcome)
            story.moves.append(StageMove(stage, Stage.CLOSED, at, outcome))
            story.stage, story.outcome, story.closed_at = Stage.CLOSED, outcome, at
            _record(story, CaseEvent.CLOSED, at, now)
            return
        following = _PATH[_PATH.index(stage) + 1]
        if following is Stage.REFERRAL:
            story.findings = _findings(rng, len(story.findings), final, outcome)
        if following is Stage.DISCIPLINARY:
            _record(
                story, CaseEvent.MEMORANDUM_ISSUED, at + timedelta(days=rng.uniform(3, 20)), now
            )
            _record(
                story, CaseEvent.RESPONSE_RECEIVED, at + timedelta(days=rng.uniform(15, 40)), now
            )
        story.moves.append(StageMove(stage, following, at))
        story.stage = following
        for event in _ENTRY_EVENTS[following]:
            _record(story, event, at, now)


def _add_steps(rng: random.Random, story: CaseStory, now: datetime) -> None:
    tied = {
        CaseEvent.ACKNOWLEDGED.value: StepKind.ACKNOWLEDGEMENT,
        CaseEvent.SAFETY_TRIAGED.value: StepKind.SAFETY_TRIAGE,
        CaseEvent.FINAL_REPORT.value: StepKind.FINAL_REPORT,
        CaseEvent.MEMORANDUM_ISSUED.value: StepKind.MEMORANDUM,
        CaseEvent.RESPONSE_RECEIVED.value: StepKind.SUBJECT_RESPONSE,
    }
    for event, kind in tied.items():
        if event in story.events:
            story.steps.append(StepPlan(kind, story.events[event]))
    end = story.closed_at or now
    span = max((end - story.received_at).total_seconds(), 3600.0)
    for _ in range(rng.randrange(0, 5 + 2 * len(story.moves))):
        at = story.received_at + timedelta(seconds=rng.uniform(0, span))
        story.steps.append(StepPlan(rng.choice(_WORK_STEPS), at))
    story.steps.sort(key=lambda step: step.at)


def _add_clock_records(rng: random.Random, story: CaseStory, now: datetime) -> None:
    end = story.closed_at or now
    if rng.random() < 0.06 and end - story.received_at > timedelta(days=30):
        start = story.received_at + timedelta(days=rng.uniform(10, (end - story.received_at).days))
        length = timedelta(days=rng.uniform(5, 45))
        stopped_until = start + length
        ended = stopped_until if stopped_until < end else None
        if story.closed_at is not None and ended is None:
            ended = story.closed_at
        reason = rng.choice(("mediation", "subject_sick_leave", "external_information_request"))
        story.stops.append(StopPlan(start, ended, reason))
    investigating = CaseEvent.INVESTIGATION_ASSIGNED.value in story.events
    if investigating and rng.random() < 0.04:
        granted = story.events[CaseEvent.INVESTIGATION_ASSIGNED.value] + timedelta(days=60)
        if granted < end:
            story.extensions.append(
                ExtensionPlan("investigation", rng.choice((10, 20, 30)), granted)
            )
