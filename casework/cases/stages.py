"""The stage transition table of domain.md section 3, with its guards. Pure: no database."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from casework.cases.models import Finding, Outcome, Stage

FORWARD: dict[Stage, frozenset[Stage]] = {
    Stage.INTAKE: frozenset({Stage.ASSESSMENT, Stage.CLOSED}),
    Stage.ASSESSMENT: frozenset({Stage.INVESTIGATION, Stage.CLOSED}),
    Stage.INVESTIGATION: frozenset({Stage.REFERRAL, Stage.CLOSED}),
    Stage.REFERRAL: frozenset({Stage.DISCIPLINARY, Stage.CLOSED}),
    Stage.DISCIPLINARY: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
}

# Outcomes each open stage may close with: substantiation needs a decision (disciplinary stage).
CLOSING_OUTCOMES: dict[Stage, frozenset[Outcome]] = {
    Stage.INTAKE: frozenset({Outcome.NOT_PURSUED, Outcome.REFERRED_ELSEWHERE}),
    Stage.ASSESSMENT: frozenset(
        {Outcome.NOT_PURSUED, Outcome.RESOLVED_INFORMALLY, Outcome.REFERRED_ELSEWHERE}
    ),
    Stage.INVESTIGATION: frozenset(
        {Outcome.NOT_PURSUED, Outcome.RESOLVED_INFORMALLY, Outcome.UNSUBSTANTIATED}
    ),
    Stage.REFERRAL: frozenset({Outcome.UNSUBSTANTIATED, Outcome.NOT_PURSUED}),
    Stage.DISCIPLINARY: frozenset({Outcome.SUBSTANTIATED, Outcome.UNSUBSTANTIATED}),
    Stage.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class TransitionFacts:
    """What the guards need to know about a case, gathered by the service."""

    findings: tuple[Finding | None, ...]
    decision_recorded: bool


def refusal(
    current: Stage, target: Stage, outcome: Outcome | None, facts: TransitionFacts
) -> str | None:
    """Return why a transition is refused, or None when it is allowed."""
    if target not in FORWARD[current]:
        allowed = ", ".join(sorted(s.value for s in FORWARD[current])) or "none"
        return f"cannot move from {current.value} to {target.value} (allowed: {allowed})"
    if target is Stage.CLOSED:
        return _closing_refusal(current, outcome, facts)
    if outcome is not None:
        return "an outcome is given only when closing"
    if target is Stage.DISCIPLINARY:
        if not facts.findings or any(f is None for f in facts.findings):
            return "record a finding for every allegation before referral to the decision maker"
        if Finding.SUFFICIENT not in facts.findings:
            return "referral to the decision maker needs at least one allegation with sufficient evidence"
    if target is Stage.REFERRAL and not facts.findings:
        return "the case has no allegations to report on"
    return None


def _closing_refusal(current: Stage, outcome: Outcome | None, facts: TransitionFacts) -> str | None:
    if outcome is None:
        return "closing needs an outcome"
    if outcome not in CLOSING_OUTCOMES[current]:
        allowed = ", ".join(sorted(o.value for o in CLOSING_OUTCOMES[current]))
        return f"a case in {current.value} can close only as: {allowed}"
    if outcome is Outcome.SUBSTANTIATED and not facts.decision_recorded:
        return "closing as substantiated needs the decision recorded first"
    if current is Stage.REFERRAL and any(f is None for f in facts.findings):
        return "record a finding for every allegation before closing after review"
    return None


def allowed_targets(current: Stage) -> Collection[Stage]:
    """Return the stages a case may move to from its current stage."""
    return FORWARD[current]
