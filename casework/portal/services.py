"""What the affected person can do and see: report, read status and messages, write, choose.

Nothing here reads the subject, witnesses, allegations, evidence or notes: the status view is
built from the stage, the deadlines' status and the disclosures owed to the signed-in party.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.audit.services import record_audit
from casework.cases.events import CaseEvent, emit
from casework.cases.models import Case, Deadline, Party, PartyRole, Priority, Stage
from casework.cases.services import NewCase, NewParty, log_step, open_case
from casework.cases.steps import StepKind
from casework.errors import NotFound, ValidationFailed
from casework.identity.models import Entity
from casework.keys.services import Keys, open_case_cipher
from casework.notifications.models import ContactPreference, Disclosure, DisclosureStatus
from casework.notifications.rules import has_consent, preference_for, set_contact_preference
from casework.receipts.credentials import Credentials, issue_portal_access

MESSAGE_STEP = StepKind.MESSAGE_FROM_AFFECTED.value
RETALIATION_STEP = StepKind.RETALIATION_REPORT.value
RETALIATION_EVENT = "retaliation_reported"
UPDATE_CADENCE = timedelta(days=30)
MAX_MESSAGE = 5_000
VISIBLE = (DisclosureStatus.SENT, DisclosureStatus.PENDING)


@dataclass(frozen=True)
class PortalReport:
    """A report as submitted through the portal (already validated by the form)."""

    entity_id: int
    reporter_role: PartyRole
    anonymous: bool
    narrative: str
    consent: bool
    language: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    subject_name: str | None = None


@dataclass(frozen=True)
class ShownMessage:
    """A disclosed message, decrypted for the portal."""

    milestone: str
    at: datetime
    text: str


@dataclass(frozen=True)
class PortalStatus:
    """Everything the portal shows about a case, and nothing more."""

    stage: Stage
    delayed: bool
    next_update_due: datetime
    messages: tuple[ShownMessage, ...]


def portal_entities(session: Session) -> list[Entity]:
    """The entities a report can be sent to, by name."""
    return list(session.scalars(select(Entity).order_by(Entity.name)))


def submit_report(session: Session, keys: Keys, report: PortalReport, now: datetime) -> Credentials:
    """Open a case from a portal report in the entity's intake; return the reporter's access."""
    entity = session.get(Entity, report.entity_id)
    if entity is None:
        raise ValidationFailed({"entity": "choose one of the listed organisations"})
    named = not report.anonymous
    reporter = NewParty(
        report.reporter_role,
        name=report.name if named else None,
        email=report.email if named else None,
        phone=report.phone if named else None,
    )
    parties = [reporter]
    if report.reporter_role is PartyRole.WITNESS:
        parties.append(NewParty(PartyRole.AFFECTED))
    if report.subject_name:
        parties.append(NewParty(PartyRole.SUBJECT, name=report.subject_name))
    case = open_case(
        session,
        keys,
        entity,
        NewCase(
            category="other",
            intake_channel="portal",
            received_at=now,
            priority=Priority.NORMAL,
            anonymous=report.anonymous,
            parties=tuple(parties),
            allegations=(report.narrative,),
        ),
        actor_id=None,
        now=now,
    )
    party = case.parties[0]
    channels = ("email",) if named and report.email else ()
    set_contact_preference(
        session, party.id, now, consent=report.consent, channels=channels, language=report.language
    )
    return issue_portal_access(session, keys, case.id, party.id, None, now)


def _case_of(session: Session, case_id: int, party_id: int) -> tuple[Case, Party]:
    case = session.get(Case, case_id)
    party = session.get(Party, party_id)
    if case is None or party is None or party.case_id != case.id or case.shredded_at is not None:
        raise NotFound(f"case {case_id}")
    return case, party


def _delayed(session: Session, case_id: int, now: datetime) -> bool:
    late = session.scalar(
        select(Deadline.id)
        .where(
            Deadline.case_id == case_id,
            Deadline.met_at.is_(None),
            or_(Deadline.red_at <= now, Deadline.due_at <= now),
        )
        .limit(1)
    )
    return late is not None


def portal_status(
    session: Session, keys: Keys, case_id: int, party_id: int, now: datetime
) -> PortalStatus:
    """The stage, whether on track, the next update due, and every message disclosed to them."""
    case, party = _case_of(session, case_id, party_id)
    rows = list(
        session.scalars(
            select(Disclosure)
            .where(
                Disclosure.case_id == case.id,
                Disclosure.party_id == party.id,
                Disclosure.status.in_(VISIBLE),
                Disclosure.body_ct.is_not(None),
            )
            .order_by(Disclosure.created_at, Disclosure.id)
        )
    )
    cipher = open_case_cipher(session, keys, case.id) if rows else None
    messages = tuple(
        ShownMessage(
            milestone=row.milestone,
            at=row.sent_at or row.released_at or row.created_at,
            text=cipher.decrypt("disclosures", "body", row.body_ct)
            if cipher and row.body_ct
            else "",
        )
        for row in rows
    )
    # Audited without the visitor's address: the portal keeps no trace of where they connect from.
    record_audit(session, None, "portal.case_read", case.id, "portal", now)
    last = max((m.at for m in messages), default=case.opened_at)
    return PortalStatus(
        stage=case.stage,
        delayed=_delayed(session, case.id, now),
        next_update_due=last + UPDATE_CADENCE,
        messages=messages,
    )


def _check_message(text: str) -> None:
    if not text.strip():
        raise ValidationFailed({"message": "required"})
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed({"message": "too_long"})


def _append_step(
    session: Session, keys: Keys, case: Case, kind: str, text: str, now: datetime
) -> int:
    """Log a step written by the affected person (no staff actor) and announce it."""
    return log_step(session, keys, case, kind, text, now, None, now)


def send_message(
    session: Session, keys: Keys, case_id: int, party_id: int, text: str, now: datetime
) -> int:
    """Put the affected person's message on the case timeline (encrypted); alert the owner."""
    _check_message(text)
    case, _party = _case_of(session, case_id, party_id)
    return _append_step(session, keys, case, MESSAGE_STEP, text, now)


def report_retaliation(
    session: Session, keys: Keys, case_id: int, party_id: int, text: str, now: datetime
) -> int:
    """Record a retaliation report as a priority step and raise the retaliation event."""
    _check_message(text)
    case, _party = _case_of(session, case_id, party_id)
    step_id = _append_step(session, keys, case, RETALIATION_STEP, text, now)
    emit(
        session,
        CaseEvent(name=RETALIATION_EVENT, case_id=case.id, at=now, details={"step_id": step_id}),
    )
    return step_id


@dataclass(frozen=True)
class Choices:
    """The affected person's contact choices as the portal form sets them."""

    consent: bool
    channels: tuple[str, ...]
    language: str
    timezone: str
    quiet_hours: tuple[int, int] | None
    email_safe: bool
    sms_safe: bool


def current_choices(session: Session, party_id: int) -> Choices:
    """The party's recorded choices, or the defaults (no consent, portal only, English)."""
    pref: ContactPreference | None = preference_for(session, party_id)
    if pref is None:
        return Choices(False, (), "en", "UTC", None, True, True)
    quiet = None
    if pref.quiet_start_minute is not None and pref.quiet_end_minute is not None:
        quiet = (pref.quiet_start_minute, pref.quiet_end_minute)
    return Choices(
        consent=has_consent(pref),
        channels=tuple(c for c in pref.channels.split(",") if c),
        language=pref.language,
        timezone=pref.timezone,
        quiet_hours=quiet,
        email_safe=pref.email_safe,
        sms_safe=pref.sms_safe,
    )


def update_choices(
    session: Session, case_id: int, party_id: int, choices: Choices, now: datetime
) -> ContactPreference:
    """Record consent, channels, language, quiet hours and channel safety for the party."""
    _case_of(session, case_id, party_id)
    return set_contact_preference(
        session,
        party_id,
        now,
        consent=choices.consent,
        channels=choices.channels,
        language=choices.language,
        timezone=choices.timezone,
        quiet_hours=choices.quiet_hours,
        email_safe=choices.email_safe,
        sms_safe=choices.sms_safe,
    )
