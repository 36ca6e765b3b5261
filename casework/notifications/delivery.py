"""Delivering one outbox row: claim it, send a content-free notice, record the outcome.

Exactly-once is bounded honestly: the claim ('sending', committed before the send) makes a
duplicate or retried message send nothing. If a worker dies after the SMTP server accepted a
message but before 'sent' was committed, the claim goes stale and the relay sends it again with
the same Message-ID (derived from the outbox id), so a receiving system can drop the duplicate.
That window is the few milliseconds between the server's 250 reply and our commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Select, Table, bindparam, select
from sqlalchemy.orm import Session

from casework.cases.models import Party
from casework.errors import CaseworkError, KeyUnavailable
from casework.identity.models import StaffUser
from casework.keys.services import Keys, open_case_cipher
from casework.notifications.channels import ChannelError, Envelope, Mailer, SmsGateway
from casework.notifications.digests import held_for_digest
from casework.notifications.models import (
    DeadlineAlert,
    Disclosure,
    DisclosureStatus,
    NotificationPreference,
    Outbox,
    OutboxKind,
    OutboxStatus,
    StaffDigest,
    SubjectNotice,
)
from casework.notifications.outbox import (
    CLAIM,
    RelayPolicy,
    claim,
    mark_retry,
    mark_sent,
    record_retry,
    record_sent,
    record_status,
)
from casework.notifications.rendering import (
    language_or_default,
    milestone_substance,
    render_alert,
    render_digest,
    render_notice,
    subject_notice_substance,
)
from casework.notifications.rules import has_consent, preference_for, quiet_until, safe_channels

log = logging.getLogger("casework.notifications")


@dataclass(frozen=True)
class Delivery:
    """What delivery needs from the boundary: keys, channels, URLs and the retry policy."""

    keys: Keys
    mailer: Mailer
    sms: SmsGateway
    portal_url: str
    sign_in_url: str
    message_id_domain: str
    policy: RelayPolicy
    # Where staff open a case (digests link to `<cases_url>/<id>`); empty: no links.
    cases_url: str = ""


def message_id(outbox_id: int, domain: str) -> str:
    """The Message-ID of an outbox row: the same on every attempt, so duplicates are visible."""
    return f"<outbox-{outbox_id}@{domain}>"


def _store_disclosure_substance(
    session: Session, delivery: Delivery, disclosure: Disclosure
) -> None:
    if disclosure.body_ct is not None:
        return
    cipher = open_case_cipher(session, delivery.keys, disclosure.case_id)
    text = milestone_substance(disclosure.milestone, disclosure.language)
    disclosure.body_ct = cipher.encrypt("disclosures", "body", text)


def _store_notice_substance(
    session: Session, delivery: Delivery, notice: SubjectNotice, language: str
) -> None:
    if notice.body_ct is not None:
        return
    cipher = open_case_cipher(session, delivery.keys, notice.case_id)
    text = subject_notice_substance(language, notice.kind, notice.key, notice.closes_at)
    notice.body_ct = cipher.encrypt("subject_notices", "body", text)


def _party_address(session: Session, delivery: Delivery, party: Party, channel: str) -> str | None:
    cipher = open_case_cipher(session, delivery.keys, party.case_id)
    blob = party.email_ct if channel == "email" else party.phone_ct
    return cipher.decrypt_optional("parties", channel_field(channel), blob)


def channel_field(channel: str) -> str:
    """The Party field that holds a channel's address."""
    return "email" if channel == "email" else "phone"


def _send(delivery: Delivery, channel: str, envelope: Envelope, language: str, staff: bool) -> None:
    notice = (
        render_alert(language, delivery.sign_in_url)
        if staff
        else render_notice(language, delivery.portal_url)
    )
    if channel == "sms":
        delivery.sms.send(envelope, notice)
    else:
        delivery.mailer.send(envelope, notice)


def _finish_disclosure(session: Session, disclosure: Disclosure, now: datetime) -> None:
    statuses = set(
        session.scalars(
            select(Outbox.status).where(
                Outbox.kind == OutboxKind.NOTICE, Outbox.ref_id == disclosure.id
            )
        )
    )
    if statuses <= {OutboxStatus.SENT, OutboxStatus.CANCELLED} and OutboxStatus.SENT in statuses:
        disclosure.status = DisclosureStatus.SENT
        disclosure.sent_at = disclosure.sent_at or now


def _deliver_notice(session: Session, delivery: Delivery, row: Outbox, now: datetime) -> str:
    disclosure = session.get(Disclosure, row.ref_id)
    party = session.get(Party, row.party_id) if row.party_id else None
    if disclosure is None or party is None or row.channel is None:
        row.status = OutboxStatus.CANCELLED
        return "cancelled"
    pref = preference_for(session, party.id)
    if pref is None or not has_consent(pref):
        row.status = OutboxStatus.CANCELLED
        disclosure.status = DisclosureStatus.WITHHELD
        disclosure.withheld_reason = "no_consent"
        _store_disclosure_substance(session, delivery, disclosure)
        return "withheld"
    if row.channel not in safe_channels(pref, party):
        row.status = OutboxStatus.CANCELLED
        disclosure.withheld_reason = "channel_unsafe"
        _store_disclosure_substance(session, delivery, disclosure)
        _finish_disclosure(session, disclosure, now)
        if disclosure.status is not DisclosureStatus.SENT:
            disclosure.status = DisclosureStatus.WITHHELD
        return "withheld"
    later = quiet_until(pref, now)
    if later is not None:
        return _defer(row, later)
    _store_disclosure_substance(session, delivery, disclosure)
    address = _party_address(session, delivery, party, row.channel)
    if address is None:
        row.status = OutboxStatus.CANCELLED
        return "cancelled"
    envelope = Envelope(address, message_id(row.id, delivery.message_id_domain))
    _send(delivery, row.channel, envelope, disclosure.language, staff=False)
    mark_sent(row, now)
    _finish_disclosure(session, disclosure, now)
    return "sent"


def _defer(row: Outbox, until: datetime) -> str:
    """Put a row back until quiet hours end; the postponed try does not count as an attempt."""
    row.status = OutboxStatus.PENDING
    row.attempts -= 1
    row.next_attempt_at = until
    return "deferred"


def _deliver_subject_notice(
    session: Session, delivery: Delivery, row: Outbox, now: datetime
) -> str:
    notice = session.get(SubjectNotice, row.ref_id)
    party = session.get(Party, row.party_id) if row.party_id else None
    if notice is None or party is None:
        row.status = OutboxStatus.CANCELLED
        return "cancelled"
    pref = preference_for(session, party.id)
    language = language_or_default(pref.language if pref is not None else None)
    _store_notice_substance(session, delivery, notice, language)
    if row.channel is not None and pref is not None:
        if row.channel not in safe_channels(pref, party):
            # The channel was marked unsafe or dropped since: the portal still has the notice.
            row.status = OutboxStatus.CANCELLED
            return "withheld"
        later = quiet_until(pref, now)
        if later is not None:
            return _defer(row, later)
    address = _party_address(session, delivery, party, row.channel) if row.channel else None
    if row.channel is None or address is None:
        mark_sent(row, now)
        return "portal"
    envelope = Envelope(address, message_id(row.id, delivery.message_id_domain))
    _send(delivery, row.channel, envelope, language, staff=False)
    mark_sent(row, now)
    return "sent"


_STAFF = cast(Table, StaffUser.__table__)
_ALERTS = cast(Table, DeadlineAlert.__table__)
_PREFERENCES = cast(Table, NotificationPreference.__table__)
_RECIPIENT_COLUMNS = (
    _STAFF.c.email,
    _STAFF.c.is_active,
    _ALERTS.c.threshold,
    _PREFERENCES.c.daily_digest,
)
# An alert's recipient, the alert's threshold and the recipient's digest choice, in one query.
_ALERT_RECIPIENT: Select[Any] = (
    select(*_RECIPIENT_COLUMNS)
    .select_from(
        _STAFF.outerjoin(_ALERTS, _ALERTS.c.id == bindparam("alert_id")).outerjoin(
            _PREFERENCES, _PREFERENCES.c.staff_user_id == _STAFF.c.id
        )
    )
    .where(_STAFF.c.id == bindparam("staff_user_id"))
)
# PostgreSQL: the claim and, for an alert, its recipient in one statement (the UPDATE in a
# WITH clause); the recipient's columns are NULL for other kinds or a missing recipient.
_CLAIMED = CLAIM.cte("claimed")
_CLAIM_WITH_RECIPIENT: Select[Any] = select(_CLAIMED, *_RECIPIENT_COLUMNS).select_from(
    _CLAIMED.outerjoin(
        _STAFF,
        (_CLAIMED.c.kind == OutboxKind.ALERT) & (_STAFF.c.id == _CLAIMED.c.staff_user_id),
    )
    .outerjoin(_ALERTS, _ALERTS.c.id == _CLAIMED.c.ref_id)
    .outerjoin(_PREFERENCES, _PREFERENCES.c.staff_user_id == _STAFF.c.id)
)


def _claim(
    connection: Connection, outbox_id: int, now: datetime
) -> tuple[Row[Any] | None, Row[Any] | None]:
    """Claim a row; for an alert also read its recipient (None if there is none)."""
    if connection.dialect.name == "postgresql":
        row = connection.execute(
            _CLAIM_WITH_RECIPIENT, {"outbox_id": outbox_id, "now": now}
        ).first()
        return row, (row if row is not None and row.email is not None else None)
    claimed = claim(connection, outbox_id, now)
    if claimed is None or claimed.kind is not OutboxKind.ALERT or not claimed.staff_user_id:
        return claimed, None
    recipient = connection.execute(
        _ALERT_RECIPIENT, {"staff_user_id": claimed.staff_user_id, "alert_id": claimed.ref_id}
    ).first()
    return claimed, recipient


def _deliver_alert(
    connection: Connection,
    delivery: Delivery,
    claimed: Row[Any],
    recipient: Row[Any] | None,
    now: datetime,
) -> str:
    """Send a deadline alert to a member of staff: one write, no ORM objects."""
    if recipient is None or not recipient.is_active:
        record_status(connection, claimed.id, OutboxStatus.CANCELLED)
        return "cancelled"
    if held_for_digest(recipient.threshold, recipient.daily_digest):
        # Amber for a person on the daily digest: no e-mail now, the digest carries it.
        record_status(connection, claimed.id, OutboxStatus.CANCELLED)
        return "digest"
    envelope = Envelope(recipient.email, message_id(claimed.id, delivery.message_id_domain))
    try:
        _send(delivery, "email", envelope, "en", staff=True)
    except (ChannelError, CaseworkError) as error:
        failed = record_retry(
            connection, claimed.id, claimed.attempts, now, type(error).__name__, delivery.policy
        )
        return "failed" if failed else "retry"
    record_sent(connection, claimed.id, now)
    return "sent"


def _deliver_digest(session: Session, delivery: Delivery, row: Outbox, now: datetime) -> str:
    user = session.get(StaffUser, row.staff_user_id) if row.staff_user_id else None
    digest = session.get(StaffDigest, row.ref_id) if row.ref_id else None
    if user is None or not user.is_active or digest is None:
        row.status = OutboxStatus.CANCELLED
        return "cancelled"
    base = delivery.cases_url.rstrip("/")
    links = [f"{base}/{i}" for i in digest.case_ids.split(",") if i] if base else []
    counts = {"amber": digest.amber, "red": digest.red, "ceiling": digest.ceiling}
    notice = render_digest("en", delivery.sign_in_url, counts, links)
    delivery.mailer.send(
        Envelope(user.email, message_id(row.id, delivery.message_id_domain)), notice
    )
    mark_sent(row, now)
    return "sent"


def _deliver_draft(session: Session, delivery: Delivery, row: Outbox, now: datetime) -> str:
    disclosure = session.get(Disclosure, row.ref_id)
    if disclosure is None:
        row.status = OutboxStatus.CANCELLED
        return "cancelled"
    _store_disclosure_substance(session, delivery, disclosure)
    if disclosure.status is DisclosureStatus.DRAFTING:
        disclosure.status = DisclosureStatus.PENDING_REVIEW
    mark_sent(row, now)
    return "drafted"


_HANDLERS: dict[OutboxKind, Callable[[Session, Delivery, Outbox, datetime], str]] = {
    OutboxKind.NOTICE: _deliver_notice,
    OutboxKind.SUBJECT_NOTICE: _deliver_subject_notice,
    OutboxKind.DRAFT: _deliver_draft,
    OutboxKind.DIGEST: _deliver_digest,
}


def _load(
    session: Session, outbox_id: int
) -> Row[Outbox, StaffUser | None, Party | None, DeadlineAlert | None] | None:
    """The claimed row with its recipient (and alert) in one query: the handlers then find
    them in the session instead of asking the database for each. The session holds objects
    weakly, so the caller keeps the returned tuple until delivery is done."""
    statement = (
        select(Outbox, StaffUser, Party, DeadlineAlert)
        .outerjoin(StaffUser, StaffUser.id == Outbox.staff_user_id)
        .outerjoin(Party, Party.id == Outbox.party_id)
        .outerjoin(
            DeadlineAlert,
            (Outbox.kind == OutboxKind.ALERT) & (DeadlineAlert.id == Outbox.ref_id),
        )
        .where(Outbox.id == outbox_id)
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).first()


def deliver_outbox(
    session: Session,
    delivery: Delivery,
    outbox_id: int,
    now: datetime,
    checkpoint: Callable[[], None],
) -> str:
    """Claim one row, commit the claim (checkpoint), deliver it, record the outcome (flushed)."""
    claimed, recipient = _claim(session.connection(), outbox_id, now)
    if claimed is None:
        session.rollback()
        return "skipped"
    checkpoint()
    return _deliver_claimed(session, session.connection(), delivery, claimed, recipient, now)


def deliver_claiming_on(
    claims: Connection, session: Session, delivery: Delivery, outbox_id: int, now: datetime
) -> str:
    """Claim one row on the caller's autocommit connection and deliver it.

    The claim and an alert's outcome are single statements committed by themselves on
    `claims`, so the rows of a deliver message share one connection and no transaction, with
    no BEGIN or COMMIT round trips. Other kinds write several rows at once: they are delivered
    in the session's transaction (flushed; the caller commits).
    """
    claimed, recipient = _claim(claims, outbox_id, now)
    if claimed is None:
        return "skipped"
    return _deliver_claimed(session, claims, delivery, claimed, recipient, now)


def _deliver_claimed(
    session: Session,
    connection: Connection,
    delivery: Delivery,
    claimed: Row[Any],
    recipient: Row[Any] | None,
    now: datetime,
) -> str:
    """Deliver a claimed row: an alert with statements on `connection`, others through the ORM."""
    if claimed.kind is OutboxKind.ALERT:
        outcome = _deliver_alert(connection, delivery, claimed, recipient, now)
        attempts = claimed.attempts
    else:
        outcome, attempts = _deliver_loaded(session, delivery, claimed.id, now)
    log.info("outbox %s %s kind=%s attempt=%s", claimed.id, outcome, claimed.kind.value, attempts)
    return outcome


def _deliver_loaded(
    session: Session, delivery: Delivery, outbox_id: int, now: datetime
) -> tuple[str, int]:
    """Deliver a claimed row through its ORM handler; the outcome and the attempt count."""
    loaded = _load(session, outbox_id)
    if loaded is None:
        return "skipped", 0
    row = loaded[0]
    try:
        outcome = _HANDLERS[row.kind](session, delivery, row, now)
    except KeyUnavailable:
        # The case was crypto-shredded meanwhile: nothing is owed any more.
        row.status = OutboxStatus.CANCELLED
        outcome = "cancelled"
    except (ChannelError, CaseworkError) as error:
        failed = mark_retry(row, now, type(error).__name__, delivery.policy)
        if failed and row.kind is OutboxKind.NOTICE and row.ref_id is not None:
            disclosure = session.get(Disclosure, row.ref_id)
            if disclosure is not None:
                disclosure.status = DisclosureStatus.FAILED
        outcome = "failed" if failed else "retry"
    session.flush()
    return outcome, row.attempts
