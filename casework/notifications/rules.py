"""Milestone and due-process rules: what is owed to whom when a case event happens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.cases.events import CaseEvent
from casework.cases.models import Case, Party, PartyRole
from casework.errors import NotFound, TransitionRefused
from casework.guidance import AppealAnchor, GuidanceVersion, Milestone, load_version
from casework.guidance import CaseEvent as GuidanceEvent
from casework.identity.models import Entity
from casework.notifications.models import (
    ContactPreference,
    Disclosure,
    DisclosureStatus,
    MilestoneSchedule,
    OutboxKind,
    SubjectNotice,
)
from casework.notifications.outbox import add_outbox
from casework.notifications.rendering import TEMPLATE_VERSION, language_or_default
from casework.timelines import (
    WorkingCalendar,
    appeal_deadlines,
    milestone_due_dates,
    next_repeat_due,
)

CHANNELS = ("email", "sms")


def entity_calendar(entity: Entity) -> WorkingCalendar:
    """The working calendar of an entity."""
    weekend = frozenset(int(d) for d in entity.weekend_days.split(",") if d.strip())
    holidays = frozenset(date.fromisoformat(h.day) for h in entity.holidays)
    return WorkingCalendar(weekend=weekend, holidays=holidays)


def preference_for(session: Session, party_id: int) -> ContactPreference | None:
    """The contact preference of a party, if recorded."""
    return session.scalar(select(ContactPreference).where(ContactPreference.party_id == party_id))


def has_consent(pref: ContactPreference | None) -> bool:
    """True if consent was given and not withdrawn since."""
    if pref is None or pref.consent_given_at is None:
        return False
    return pref.consent_withdrawn_at is None or pref.consent_withdrawn_at < pref.consent_given_at


def safe_channels(pref: ContactPreference, party: Party) -> list[str]:
    """The chosen channels that are marked safe and for which the party has an address."""
    chosen = [c for c in pref.channels.split(",") if c in CHANNELS]
    result = []
    for channel in chosen:
        if channel == "email" and pref.email_safe and party.email_ct is not None:
            result.append(channel)
        if channel == "sms" and pref.sms_safe and party.phone_ct is not None:
            result.append(channel)
    return result


def quiet_until(pref: ContactPreference, now: datetime) -> datetime | None:
    """The end of the party's quiet hours if `now` falls inside them, else None."""
    if pref.quiet_start_minute is None or pref.quiet_end_minute is None:
        return None
    try:
        zone = ZoneInfo(pref.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = pref.quiet_start_minute, pref.quiet_end_minute
    inside = start <= minute < end if start <= end else (minute >= start or minute < end)
    if not inside:
        return None
    end_local = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if end_local <= local:
        end_local += timedelta(days=1)
    return end_local.astimezone(UTC)


def set_contact_preference(
    session: Session,
    party_id: int,
    now: datetime,
    *,
    consent: bool,
    channels: tuple[str, ...] = ("email",),
    language: str = "en",
    timezone: str = "UTC",
    quiet_hours: tuple[int, int] | None = None,
    email_safe: bool = True,
    sms_safe: bool = True,
) -> ContactPreference:
    """Record the affected person's choices; consent changes are timestamped."""
    pref = preference_for(session, party_id)
    if pref is None:
        pref = ContactPreference(party_id=party_id, updated_at=now)
        session.add(pref)
    if consent and not has_consent(pref):
        pref.consent_given_at = now
    if not consent and has_consent(pref):
        pref.consent_withdrawn_at = now
    pref.channels = ",".join(c for c in channels if c in CHANNELS)
    pref.language = language_or_default(language)
    pref.timezone = timezone
    pref.quiet_start_minute = quiet_hours[0] if quiet_hours else None
    pref.quiet_end_minute = quiet_hours[1] if quiet_hours else None
    pref.email_safe = email_safe
    pref.sms_safe = sms_safe
    pref.updated_at = now
    session.flush()
    return pref


def _dispatch(session: Session, disclosure: Disclosure, party: Party | None, now: datetime) -> None:
    """Check consent and channels now, then queue notices or record the disclosure withheld."""
    pref = preference_for(session, party.id) if party is not None else None
    if party is None or pref is None or not has_consent(pref):
        disclosure.status = DisclosureStatus.WITHHELD
        disclosure.withheld_reason = "no_consent"
        if disclosure.body_ct is None:
            add_outbox(
                session, OutboxKind.DRAFT, now, case_id=disclosure.case_id, ref_id=disclosure.id
            )
        return
    disclosure.language = pref.language
    channels = safe_channels(pref, party)
    disclosure.channels = ",".join(channels) or "portal"
    if not channels:
        # Portal only: the substance is there when they sign in.
        disclosure.status = DisclosureStatus.SENT
        disclosure.sent_at = now
        if disclosure.body_ct is None:
            add_outbox(
                session, OutboxKind.DRAFT, now, case_id=disclosure.case_id, ref_id=disclosure.id
            )
        return
    disclosure.status = DisclosureStatus.PENDING
    for channel in channels:
        add_outbox(
            session,
            OutboxKind.NOTICE,
            now,
            case_id=disclosure.case_id,
            ref_id=disclosure.id,
            channel=channel,
            party_id=party.id,
        )


def record_disclosure(
    session: Session,
    case: Case,
    party: Party,
    milestone: Milestone,
    occurrence: int,
    due_at: datetime,
    now: datetime,
) -> Disclosure | None:
    """Record a milestone owed to a party: queued, withheld or held for review; once only."""
    existing = session.scalar(
        select(Disclosure.id).where(
            Disclosure.case_id == case.id,
            Disclosure.party_id == party.id,
            Disclosure.milestone == milestone.key,
            Disclosure.occurrence == occurrence,
        )
    )
    if existing is not None:
        return None
    disclosure = Disclosure(
        case_id=case.id,
        party_id=party.id,
        milestone=milestone.key,
        occurrence=occurrence,
        status=DisclosureStatus.DRAFTING,
        template_version=TEMPLATE_VERSION,
        due_at=due_at,
        created_at=now,
    )
    session.add(disclosure)
    session.flush()
    if milestone.human_review:
        # Drafted by a worker (it holds the case key), then released by a reviewer.
        add_outbox(session, OutboxKind.DRAFT, now, case_id=case.id, ref_id=disclosure.id)
    else:
        _dispatch(session, disclosure, party, now)
    session.flush()
    return disclosure


def release_disclosure(
    session: Session, disclosure_id: int, reviewer_id: int, now: datetime
) -> Disclosure:
    """A reviewer releases a drafted M2/M6/M7: consent is checked again, then notices queue."""
    disclosure = session.get(Disclosure, disclosure_id)
    if disclosure is None:
        raise NotFound(f"disclosure {disclosure_id} not found")
    if disclosure.status is not DisclosureStatus.PENDING_REVIEW:
        raise TransitionRefused(f"disclosure {disclosure_id} is not awaiting review")
    disclosure.released_by = reviewer_id
    disclosure.released_at = now
    party = session.get(Party, disclosure.party_id) if disclosure.party_id else None
    _dispatch(session, disclosure, party, now)
    session.flush()
    return disclosure


def _affected(case: Case) -> list[Party]:
    return [p for p in case.parties if p.role is PartyRole.AFFECTED]


def _subjects(case: Case) -> list[Party]:
    return [p for p in case.parties if p.role is PartyRole.SUBJECT]


def _schedule(
    session: Session,
    case: Case,
    party: Party,
    milestone: Milestone,
    slot: int,
    fired_at: datetime,
    due: datetime,
) -> None:
    exists = session.scalar(
        select(MilestoneSchedule.id).where(
            MilestoneSchedule.case_id == case.id,
            MilestoneSchedule.party_id == party.id,
            MilestoneSchedule.milestone == milestone.key,
            MilestoneSchedule.slot == slot,
        )
    )
    if exists is None:
        session.add(
            MilestoneSchedule(
                case_id=case.id,
                party_id=party.id,
                milestone=milestone.key,
                slot=slot,
                fired_at=fired_at,
                next_due_at=due,
                occurrences=0,
            )
        )


def apply_milestones(
    session: Session, case: Case, guidance: GuidanceVersion, event: CaseEvent, now: datetime
) -> None:
    """Record or schedule every milestone the event fires, for every affected person."""
    fired = [m for m in guidance.milestones if event.name in {e.value for e in m.fired_on}]
    if not fired:
        return
    entity = session.get(Entity, case.entity_id)
    calendar = entity_calendar(entity) if entity is not None else WorkingCalendar()
    for milestone in fired:
        for party in _affected(case):
            if milestone.repeat_every_days is not None:
                _schedule(
                    session,
                    case,
                    party,
                    milestone,
                    0,
                    event.at,
                    next_repeat_due(milestone, event.at),
                )
                continue
            dues = milestone_due_dates(milestone, event.at, calendar)
            if milestone.human_review or all(d <= event.at for d in dues):
                record_disclosure(session, case, party, milestone, 1, dues[0], now)
            else:
                for slot, due in enumerate(dues):
                    _schedule(session, case, party, milestone, slot, event.at, due)
    session.flush()


def stop_schedules(session: Session, case_id: int) -> None:
    """A closed case owes no further progress messages."""
    session.execute(
        update(MilestoneSchedule)
        .where(MilestoneSchedule.case_id == case_id, MilestoneSchedule.milestone == "M4")
        .values(next_due_at=None)
    )


def _response_closes_at(guidance: GuidanceVersion, issued_at: datetime) -> datetime:
    for rule in guidance.timelines:
        if (
            GuidanceEvent.MEMORANDUM_ISSUED in rule.starts_on
            and GuidanceEvent.RESPONSE_RECEIVED in rule.met_by
        ):
            return issued_at + timedelta(days=rule.target)
    return issued_at + timedelta(days=14)


def add_subject_notice(
    session: Session,
    case: Case,
    party: Party,
    kind: str,
    key: str,
    closes_at: datetime | None,
    now: datetime,
) -> SubjectNotice | None:
    """Record a due-process notice to the subject and queue a content-free notice per channel.

    Once only. Due process is owed whatever the subject's consent, so consent is not checked;
    their chosen channels that are still safe are used (e-mail by default when none is
    recorded), and a notice without any channel is read in the portal only.
    """
    exists = session.scalar(
        select(SubjectNotice.id).where(
            SubjectNotice.case_id == case.id,
            SubjectNotice.party_id == party.id,
            SubjectNotice.kind == kind,
            SubjectNotice.key == key,
        )
    )
    if exists is not None:
        return None
    notice = SubjectNotice(
        case_id=case.id, party_id=party.id, kind=kind, key=key, closes_at=closes_at, created_at=now
    )
    session.add(notice)
    session.flush()
    channels: list[str | None] = [*subject_channels(session, party)]
    for channel in channels or [None]:
        add_outbox(
            session,
            OutboxKind.SUBJECT_NOTICE,
            now,
            case_id=case.id,
            ref_id=notice.id,
            channel=channel,
            party_id=party.id,
        )
    return notice


def subject_channels(session: Session, party: Party) -> list[str]:
    """The subject's chosen, safe channels with an address; e-mail if nothing was chosen."""
    pref = preference_for(session, party.id)
    if pref is None:
        return ["email"] if party.email_ct is not None else []
    return safe_channels(pref, party)


_SUBJECT_NOTICE_EVENTS = frozenset(
    (
        GuidanceEvent.MEMORANDUM_ISSUED.value,
        GuidanceEvent.DECISION.value,
        AppealAnchor.DECISION_NOTIFIED.value,
    )
)


def apply_subject_notices(
    session: Session, case: Case, guidance: GuidanceVersion, event: CaseEvent, now: datetime
) -> None:
    """The subject's notices: memorandum and response deadline, decision and appeal windows."""
    if event.name not in _SUBJECT_NOTICE_EVENTS:
        return
    for party in _subjects(case):
        if event.name == GuidanceEvent.MEMORANDUM_ISSUED.value:
            add_subject_notice(session, case, party, "allegations_memorandum", "", None, now)
            closes = _response_closes_at(guidance, event.at)
            add_subject_notice(session, case, party, "response_deadline", "", closes, now)
        elif event.name == GuidanceEvent.DECISION.value:
            add_subject_notice(session, case, party, "decision", "", None, now)
        elif event.name == AppealAnchor.DECISION_NOTIFIED.value:
            # Appeal windows run from when the decision was notified, not when it was taken.
            for window in appeal_deadlines(guidance, AppealAnchor.DECISION_NOTIFIED, event.at):
                add_subject_notice(
                    session, case, party, "appeal_window", window.key, window.closes_at, now
                )
    session.flush()


def on_case_event(session: Session, event: CaseEvent) -> None:
    """Listener: everything the event makes owed, written in the event's transaction."""
    case = session.get(Case, event.case_id)
    if case is None or case.shredded_at is not None:
        return
    guidance = load_version(case.guidance_version)
    now = event.at
    apply_milestones(session, case, guidance, event, now)
    apply_subject_notices(session, case, guidance, event, now)
    if event.name == GuidanceEvent.CLOSED.value:
        stop_schedules(session, case.id)
