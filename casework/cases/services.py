"""Case services: open a case, add parties, log steps, read a case. They flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from casework.cases.models import (
    Allegation,
    Case,
    CaseStep,
    Party,
    PartyRole,
    Priority,
    ReferenceCounter,
    Stage,
    StageChange,
)
from casework.cases.records import (
    EMAIL_INDEX,
    REFERENCE_INDEX,
    STEP_COLUMNS,
    CaseView,
    case_view,
    step_views,
)
from casework.cases.steps import STEP_EVENTS, StepKind
from casework.cases.timeline import recompute_deadlines, record_event
from casework.clearcheck.models import ScreeningReason
from casework.clearcheck.services import record_screening
from casework.crypto import CaseCipher
from casework.errors import NotFound, ValidationFailed
from casework.guidance import CaseEvent, load_version
from casework.identity.models import Entity
from casework.keys.services import Keys, create_case_key, open_case_cipher

MAX_TEXT = 20_000


@dataclass(frozen=True)
class NewParty:
    """A party as entered at intake."""

    role: PartyRole
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    staff_user_id: int | None = None


@dataclass(frozen=True)
class NewCase:
    """A report as registered at intake."""

    category: str
    intake_channel: str
    received_at: datetime
    priority: Priority = Priority.NORMAL
    anonymous: bool = False
    parties: tuple[NewParty, ...] = ()
    allegations: tuple[str, ...] = field(default_factory=tuple)


def _check_text(errors: dict[str, str], name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        errors[name] = f"must be at most {limit} characters"


def validate_new_case(new_case: NewCase, now: datetime) -> None:
    """Refuse a report that breaks a rule, naming every field at fault."""
    errors: dict[str, str] = {}
    if not new_case.category.strip():
        errors["category"] = "is required"
    if new_case.received_at > now:
        errors["received_at"] = "cannot be in the future"
    if not new_case.allegations or not any(a.strip() for a in new_case.allegations):
        errors["allegations"] = "at least one allegation is required"
    for index, allegation in enumerate(new_case.allegations):
        _check_text(errors, f"allegations[{index}]", allegation, MAX_TEXT)
    for index, party in enumerate(new_case.parties):
        _check_text(errors, f"parties[{index}].name", party.name, 200)
        _check_text(errors, f"parties[{index}].email", party.email, 254)
        _check_text(errors, f"parties[{index}].phone", party.phone, 40)
        if party.email and "@" not in party.email:
            errors[f"parties[{index}].email"] = "is not an e-mail address"
    if errors:
        raise ValidationFailed(errors)


def next_reference(session: Session, entity: Entity, year: int) -> str:
    """Issue the next human-readable reference of an entity for a year, e.g. UNX-2026-0042."""
    counter = session.get(ReferenceCounter, (entity.id, year), with_for_update=True)
    if counter is None:
        counter = ReferenceCounter(entity_id=entity.id, year=year, last_number=0)
        session.add(counter)
    counter.last_number += 1
    return f"{entity.reference_prefix}-{year}-{counter.last_number:04d}"


def _encrypt_party(cipher: CaseCipher, keys: Keys, party: NewParty) -> Party:
    return Party(
        role=party.role,
        name_ct=cipher.encrypt_optional("parties", "name", party.name),
        email_ct=cipher.encrypt_optional("parties", "email", party.email),
        phone_ct=cipher.encrypt_optional("parties", "phone", party.phone),
        email_index=keys.blind_index.compute(EMAIL_INDEX, party.email) if party.email else None,
        staff_user_id=party.staff_user_id,
    )


def open_case(
    session: Session,
    keys: Keys,
    entity: Entity,
    new_case: NewCase,
    actor_id: int | None,
    now: datetime,
) -> Case:
    """Register a report as a new case in intake, encrypted under a new data key."""
    validate_new_case(new_case, now)
    try:
        load_version(entity.guidance_version)
    except KeyError:
        raise ValidationFailed(
            {"guidance_version": f"entity {entity.id} has adopted an unknown version"}
        ) from None
    reference = next_reference(session, entity, new_case.received_at.year)
    case = Case(
        entity_id=entity.id,
        stage=Stage.INTAKE,
        category=new_case.category,
        priority=new_case.priority,
        intake_channel=new_case.intake_channel,
        anonymous=new_case.anonymous,
        guidance_version=entity.guidance_version,
        opened_at=new_case.received_at,
        reference_index=keys.blind_index.compute(REFERENCE_INDEX, reference),
    )
    session.add(case)
    session.flush()
    cipher = create_case_key(session, keys, case.id, now)
    case.reference_ct = cipher.encrypt("cases", "reference", reference)
    for new_party in new_case.parties:
        case.parties.append(_encrypt_party(cipher, keys, new_party))
    for text in new_case.allegations:
        if text.strip():
            summary = cipher.encrypt("allegations", "summary", text)
            case.allegations.append(Allegation(summary_ct=summary))
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=None,
            to_stage=Stage.INTAKE,
            changed_at=new_case.received_at,
            actor_id=actor_id,
        )
    )
    session.flush()
    record_event(session, case, CaseEvent.RECEIVED.value, new_case.received_at, actor_id, now)
    recompute_deadlines(session, case, now)
    return case


def add_party(session: Session, keys: Keys, case: Case, party: NewParty) -> Party:
    """Add a party to an existing case."""
    cipher = open_case_cipher(session, keys, case.id)
    row = _encrypt_party(cipher, keys, party)
    case.parties.append(row)
    session.flush()
    return row


_STEP_KINDS = frozenset(k.value for k in StepKind)
# The table, not the entity: a plain INSERT, without the ORM's bulk machinery.
_INSERT_STEP = insert(cast(Table, CaseStep.__table__)).returning(CaseStep.id)


def log_step(
    session: Session,
    keys: Keys,
    case: Case,
    kind: str,
    narrative: str | None,
    occurred_at: datetime,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Append a step to a case's log (narrative encrypted); record its timeline event; its id."""
    errors: dict[str, str] = {}
    if kind not in _STEP_KINDS:
        errors["kind"] = "choose one of the listed kinds of step"
    _check_text(errors, "narrative", narrative, MAX_TEXT)
    if occurred_at > now:
        errors["occurred_at"] = "cannot be in the future"
    if case.shredded_at is not None:
        errors["case"] = "has been crypto-shredded"
    if errors:
        raise ValidationFailed(errors)
    cipher = open_case_cipher(session, keys, case.id)
    # A plain INSERT: the step log is append-only and nothing reads the new row back as an object.
    step_id: int = session.execute(
        _INSERT_STEP,
        {
            "case_id": case.id,
            "kind": kind,
            "occurred_at": occurred_at,
            "recorded_at": now,
            "actor_id": actor_id,
            "narrative_ct": cipher.encrypt_optional("case_steps", "narrative", narrative),
        },
    ).scalar_one()
    record_event(session, case, f"step:{kind}", occurred_at, actor_id, now, step_id=step_id)
    if kind == StepKind.SUBJECT_DEPARTED.value and case.stage is not Stage.CLOSED:
        # Leaving with allegations pending puts the subject on the ClearCheck screening list.
        reason = ScreeningReason.LEFT_WITH_ALLEGATIONS_PENDING
        record_screening(session, keys, case, reason, occurred_at, now)
    timeline_event = STEP_EVENTS.get(StepKind(kind))
    if timeline_event is not None:
        record_event(session, case, timeline_event.value, occurred_at, actor_id, now)
        recompute_deadlines(session, case, now)
    return step_id


def get_case(session: Session, case_id: int) -> Case:
    """Load a case by id or raise NotFound."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id}")
    return case


def find_case_by_reference(session: Session, keys: Keys, entity_id: int, reference: str) -> Case:
    """Find a case of an entity by its reference through the blind index."""
    index = keys.blind_index.compute(REFERENCE_INDEX, reference)
    case = session.scalar(
        select(Case).where(Case.entity_id == entity_id, Case.reference_index == index)
    )
    if case is None:
        raise NotFound("case reference")
    return case


def open_cases_matching_email(
    session: Session, keys: Keys, entity_id: int, email: str, excluding_case_id: int | None
) -> list[int]:
    """Return ids of the entity's open cases with a party whose e-mail matches exactly."""
    index = keys.blind_index.compute(EMAIL_INDEX, email)
    statement = (
        select(Case.id)
        .join(Party, Party.case_id == Case.id)
        .where(Case.entity_id == entity_id, Case.stage != Stage.CLOSED, Party.email_index == index)
        .distinct()
    )
    if excluding_case_id is not None:
        statement = statement.where(Case.id != excluding_case_id)
    return list(session.scalars(statement))


def read_case(session: Session, keys: Keys, case: Case) -> CaseView:
    """Decrypt a case for a caller already authorised to read it."""
    cipher = open_case_cipher(session, keys, case.id)
    rows = session.execute(
        select(*STEP_COLUMNS).where(CaseStep.case_id == case.id).order_by(CaseStep.id)
    )
    return case_view(cipher, case, step_views(cipher, rows))
