"""Synthetic plaintext metadata with a known truth, computed here independently of the builder."""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from statistics import median

from sqlalchemy.orm import Session

from tests.factories import make_entity, make_metadata_case

YEAR = 2025
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
# Entity sizes chosen so that S1, S2 and S3 (under 20 cases) are pooled as "other" (25 cases).
SIZES = {"BIGA": 70, "BIGB": 40, "SMA": 5, "SMB": 8, "SMC": 12}
LABEL = {"BIGA": "BIGA", "BIGB": "BIGB", "SMA": "other", "SMB": "other", "SMC": "other"}
ENTITY_ROWS = ("BIGA", "BIGB", "other")
QUARTERS = tuple(f"{YEAR}-Q{q}" for q in range(1, 5))
CATEGORIES = ("physical", "verbal", "visual")
TARGETS = {"assessment": 30, "investigation": 90, "referral": 30, "disciplinary": 74}
OUTCOME_GROUP = {
    "substantiated": "substantiated",
    "unsubstantiated": "unsubstantiated",
    "not_pursued": "closed_other",
    "resolved_informally": "closed_other",
    "referred_elsewhere": "closed_other",
}


@dataclass
class Truth:
    """Independent tallies of what each published table counts."""

    tables: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    stages: dict[tuple[str, str, str], list[tuple[int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    records: list[dict[str, str]] = field(default_factory=list)


def quarter_label(at: datetime) -> str:
    """The published quarter of an instant."""
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}"


def _path(rng: random.Random, opened: datetime) -> tuple[list[tuple[str, datetime]], str | None]:
    at = opened
    stages = [("intake", at)]

    def step(stage: str, low: int, high: int) -> None:
        nonlocal at
        at = at + timedelta(days=rng.randint(low, high))
        stages.append((stage, at))

    step("assessment", 1, 6)
    outcome: str | None
    if rng.random() < 0.35:
        outcome = rng.choice(["not_pursued", "resolved_informally", "referred_elsewhere"])
        step("closed", 5, 60)
    else:
        step("investigation", 5, 60)
        step("referral", 30, 200)
        if rng.random() < 0.45:
            outcome = "unsubstantiated"
            step("closed", 5, 60)
        else:
            step("disciplinary", 5, 60)
            outcome = "substantiated"
            step("closed", 40, 120)
    kept = [(stage, when) for stage, when in stages if when <= NOW]
    return kept, outcome if kept[-1][0] == "closed" else None


def populate(session: Session, seed: int = 7) -> Truth:
    """Insert the synthetic cases and return the truth behind every table."""
    rng = random.Random(seed)
    truth = Truth()
    tallies: dict[str, Counter[tuple[str, str]]] = {
        name: Counter()
        for name in (
            "cases_received",
            "cases_received_by_category",
            "cases_open_at_period_end",
            "cases_closed",
            "outcomes",
        )
    }
    start, end = datetime(YEAR, 1, 1, tzinfo=UTC), datetime(YEAR + 1, 1, 1, tzinfo=UTC)
    ends = {
        label: datetime(YEAR, 3 * q + 1, 1, tzinfo=UTC) if q < 4 else end
        for q, label in enumerate(QUARTERS, start=1)
    }
    for code, size in SIZES.items():
        entity = make_entity(session, NOW - timedelta(days=900), code)
        for index in range(size):
            # A few cases of each entity were received late in 2024 and run into 2025.
            day = rng.randint(-60, -1) if index % 9 == 0 else rng.randint(0, 364)
            opened = start + timedelta(days=day, hours=rng.randint(8, 17))
            stages, outcome = _path(rng, opened)
            category = rng.choice(CATEGORIES)
            make_metadata_case(session, entity, stages, outcome, category)
            label = LABEL[code]
            closed_at = stages[-1][1] if stages[-1][0] == "closed" else None
            if start <= opened < end:
                tallies["cases_received"][(label, quarter_label(opened))] += 1
                tallies["cases_received_by_category"][(label, category)] += 1
            for period, period_end in ends.items():
                if opened < period_end and (closed_at is None or closed_at >= period_end):
                    tallies["cases_open_at_period_end"][(label, period)] += 1
            if closed_at is not None and start <= closed_at < end:
                assert outcome is not None
                tallies["cases_closed"][(label, quarter_label(closed_at))] += 1
                tallies["outcomes"][(label, OUTCOME_GROUP[outcome])] += 1
                truth.records.append(
                    {
                        "entity": label,
                        "outcome": OUTCOME_GROUP[outcome],
                        "period": quarter_label(closed_at),
                    }
                )
            for (stage, entered), (_, left) in itertools.pairwise(stages):
                if stage in TARGETS and start <= left < end:
                    days = (left - entered).days
                    for column in (quarter_label(left), str(YEAR)):
                        truth.stages[(code, stage, column)].append((days, TARGETS[stage]))
    session.flush()
    truth.tables = tallies
    return truth


def expected_median_weeks(durations: list[tuple[int, int]]) -> int | None:
    """Median in whole weeks (halves up) over at least 10 stages, else withheld."""
    if len(durations) < 10:
        return None
    middle = Fraction(median(Fraction(days) for days, _ in durations))
    return int(middle / 7 + Fraction(1, 2))


def expected_percent(durations: list[tuple[int, int]]) -> int | None:
    """Share within target, withheld unless 10 stages met and 10 missed the target."""
    within = sum(1 for days, target in durations if days <= target)
    if len(durations) < 10 or within < 10 or len(durations) - within < 10:
        return None
    return int(Fraction(100 * within, len(durations)) + Fraction(1, 2))


def round5(value: int) -> int:
    """Nearest multiple of 5."""
    return (value + 2) // 5 * 5
