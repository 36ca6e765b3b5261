"""Encrypting and decrypting case records: the only place that maps fields to ciphertexts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from casework.cases.models import (
    Allegation,
    Case,
    CaseStep,
    Finding,
    Outcome,
    Party,
    PartyRole,
    Priority,
    Stage,
)
from casework.crypto import CaseCipher

EMAIL_INDEX = "party_email"
REFERENCE_INDEX = "case_reference"

# The columns `step_views` reads, in order: selecting them instead of whole CaseStep objects
# spares the ORM building (and tracking) one object per step of a long log, and only what a
# timeline shows is read (each further column is 200 more values to convert on a long log).
STEP_COLUMNS = (CaseStep.kind, CaseStep.occurred_at, CaseStep.narrative_ct)
StepRow = tuple[str, datetime, bytes | None]


@dataclass(frozen=True)
class PartyView:
    """A party with its fields decrypted, for those allowed to see them."""

    id: int
    role: PartyRole
    name: str | None
    email: str | None
    phone: str | None
    staff_user_id: int | None


@dataclass(frozen=True)
class AllegationView:
    """An allegation with its wording decrypted."""

    id: int
    summary: str
    finding: Finding | None


@dataclass(frozen=True, slots=True)
class StepView:
    """A step of the log as a timeline shows it: kind, when it happened, narrative decrypted."""

    kind: str
    occurred_at: datetime
    narrative: str | None


@dataclass(frozen=True)
class CaseView:
    """A whole case, decrypted."""

    id: int
    entity_id: int
    reference: str
    stage: Stage
    category: str
    priority: Priority
    guidance_version: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None
    anonymous: bool
    parties: tuple[PartyView, ...]
    allegations: tuple[AllegationView, ...]
    steps: tuple[StepView, ...]


def decrypt_reference(cipher: CaseCipher, case: Case) -> str:
    """Return a case's reference in clear."""
    if case.reference_ct is None:
        return f"(shredded case {case.id})"
    return cipher.decrypt("cases", "reference", case.reference_ct)


def party_view(cipher: CaseCipher, party: Party) -> PartyView:
    """Decrypt one party."""
    return PartyView(
        id=party.id,
        role=party.role,
        name=cipher.decrypt_optional("parties", "name", party.name_ct),
        email=cipher.decrypt_optional("parties", "email", party.email_ct),
        phone=cipher.decrypt_optional("parties", "phone", party.phone_ct),
        staff_user_id=party.staff_user_id,
    )


def step_view(cipher: CaseCipher, step: CaseStep) -> StepView:
    """Decrypt one step."""
    return StepView(
        kind=step.kind,
        occurred_at=step.occurred_at,
        narrative=cipher.decrypt_optional("case_steps", "narrative", step.narrative_ct),
    )


def step_views(cipher: CaseCipher, rows: Iterable[StepRow]) -> tuple[StepView, ...]:
    """Decrypt steps selected as STEP_COLUMNS."""
    decrypt = cipher.decrypt_optional
    return tuple(
        StepView(kind, occurred_at, decrypt("case_steps", "narrative", narrative_ct))
        for kind, occurred_at, narrative_ct in rows
    )


def allegation_view(cipher: CaseCipher, allegation: Allegation) -> AllegationView:
    """Decrypt one allegation."""
    return AllegationView(
        id=allegation.id,
        summary=cipher.decrypt("allegations", "summary", allegation.summary_ct),
        finding=allegation.finding,
    )


def case_view(
    cipher: CaseCipher,
    case: Case,
    steps: tuple[StepView, ...] | None = None,
    parties: Iterable[Party] | None = None,
    allegations: Iterable[Allegation] | None = None,
) -> CaseView:
    """Decrypt a whole case with its parties, allegations and steps (each given if already read)."""
    return CaseView(
        id=case.id,
        entity_id=case.entity_id,
        reference=decrypt_reference(cipher, case),
        stage=case.stage,
        category=case.category,
        priority=case.priority,
        guidance_version=case.guidance_version,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        anonymous=case.anonymous,
        parties=tuple(
            party_view(cipher, p) for p in (case.parties if parties is None else parties)
        ),
        allegations=tuple(
            allegation_view(cipher, a)
            for a in (case.allegations if allegations is None else allegations)
        ),
        steps=tuple(step_view(cipher, s) for s in case.steps) if steps is None else steps,
    )
