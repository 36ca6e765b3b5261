"""The transition table and its guards, case by case (pure: no database)."""

from __future__ import annotations

import pytest

from casework.cases.models import Finding, Outcome, Stage
from casework.cases.stages import TransitionFacts, refusal

REPORTED = TransitionFacts(findings=(None,), decision_recorded=False)
SUFFICIENT = TransitionFacts(
    findings=(Finding.SUFFICIENT, Finding.NO_EVIDENCE), decision_recorded=False
)
DECIDED = TransitionFacts(findings=(Finding.SUFFICIENT,), decision_recorded=True)


@pytest.mark.parametrize(
    ("current", "target", "outcome", "facts"),
    [
        (Stage.INTAKE, Stage.ASSESSMENT, None, REPORTED),
        (Stage.ASSESSMENT, Stage.INVESTIGATION, None, REPORTED),
        (Stage.INVESTIGATION, Stage.REFERRAL, None, REPORTED),
        (Stage.REFERRAL, Stage.DISCIPLINARY, None, SUFFICIENT),
        (Stage.DISCIPLINARY, Stage.CLOSED, Outcome.SUBSTANTIATED, DECIDED),
        (Stage.DISCIPLINARY, Stage.CLOSED, Outcome.UNSUBSTANTIATED, SUFFICIENT),
        (Stage.INTAKE, Stage.CLOSED, Outcome.REFERRED_ELSEWHERE, REPORTED),
        (Stage.ASSESSMENT, Stage.CLOSED, Outcome.RESOLVED_INFORMALLY, REPORTED),
    ],
)
def test_allowed_transitions(
    current: Stage, target: Stage, outcome: Outcome | None, facts: TransitionFacts
) -> None:
    assert refusal(current, target, outcome, facts) is None


@pytest.mark.parametrize(
    ("current", "target", "outcome", "facts", "reason"),
    [
        (Stage.INTAKE, Stage.INVESTIGATION, None, REPORTED, "cannot move from intake"),
        (Stage.CLOSED, Stage.INTAKE, None, REPORTED, "allowed: none"),
        (Stage.ASSESSMENT, Stage.INVESTIGATION, Outcome.NOT_PURSUED, REPORTED, "only when closing"),
        (Stage.REFERRAL, Stage.DISCIPLINARY, None, REPORTED, "record a finding"),
        (
            Stage.REFERRAL,
            Stage.DISCIPLINARY,
            None,
            TransitionFacts((Finding.INSUFFICIENT,), False),
            "at least one allegation with sufficient evidence",
        ),
        (Stage.DISCIPLINARY, Stage.CLOSED, Outcome.SUBSTANTIATED, SUFFICIENT, "decision recorded"),
        (Stage.INTAKE, Stage.CLOSED, Outcome.SUBSTANTIATED, DECIDED, "can close only as"),
        (Stage.INTAKE, Stage.CLOSED, None, REPORTED, "closing needs an outcome"),
        (Stage.REFERRAL, Stage.CLOSED, Outcome.UNSUBSTANTIATED, REPORTED, "record a finding"),
    ],
)
def test_refused_transitions_say_why(
    current: Stage,
    target: Stage,
    outcome: Outcome | None,
    facts: TransitionFacts,
    reason: str,
) -> None:
    refused = refusal(current, target, outcome, facts)
    assert refused is not None and reason in refused
