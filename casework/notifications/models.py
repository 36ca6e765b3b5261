"""Notification records: outbox, alerts, disclosures, contact preferences, notices, retention.

Outbox rows hold ids and codes only, never content: a worker reads the row, renders a
content-free notice and sends it. Substance is stored encrypted per case (`_ct` columns).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, enum_by_value


class OutboxStatus(enum.Enum):
    """Where an outbox row stands: pending -> queued -> sending -> sent, or failed/cancelled."""

    PENDING = "pending"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxKind(enum.Enum):
    """What an outbox row delivers."""

    DRAFT = "draft"
    NOTICE = "notice"
    ALERT = "alert"
    SUBJECT_NOTICE = "subject_notice"
    DIGEST = "digest"


class DisclosureStatus(enum.Enum):
    """Where a milestone disclosure stands."""

    DRAFTING = "drafting"
    PENDING_REVIEW = "pending_review"
    PENDING = "pending"
    SENT = "sent"
    WITHHELD = "withheld"
    FAILED = "failed"


class Outbox(Base):
    """One delivery owed, written in the transaction of the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_by_value(OutboxKind, "outbox_kind"))
    case_id: Mapped[int | None] = mapped_column(index=True)
    ref_id: Mapped[int | None]
    channel: Mapped[str | None] = mapped_column(String(16))
    party_id: Mapped[int | None]
    staff_user_id: Mapped[int | None]
    status: Mapped[OutboxStatus] = mapped_column(enum_by_value(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(120))


class DeadlineAlert(Base):
    """One alert per (case, deadline, threshold), ever: the unique key makes reruns harmless."""

    __tablename__ = "deadline_alerts"
    __table_args__ = (UniqueConstraint("case_id", "deadline_key", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    deadline_key: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[datetime]


class ContactPreference(Base):
    """How the affected person (a Party) wants to be contacted; checked before each send."""

    __tablename__ = "contact_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), unique=True)
    consent_given_at: Mapped[datetime | None]
    consent_withdrawn_at: Mapped[datetime | None]
    # Comma-separated subset of "email,sms"; empty means portal only.
    channels: Mapped[str] = mapped_column(String(32), default="email")
    language: Mapped[str] = mapped_column(String(2), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start_minute: Mapped[int | None]
    quiet_end_minute: Mapped[int | None]
    email_safe: Mapped[bool] = mapped_column(default=True)
    sms_safe: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class MilestoneSchedule(Base):
    """A milestone due later (M4 cadence, M9 check-ins), found by an indexed periodic scan."""

    __tablename__ = "milestone_schedules"
    __table_args__ = (
        UniqueConstraint("case_id", "party_id", "milestone", "slot"),
        Index(
            "ix_milestone_schedules_next_due_at",
            "next_due_at",
            postgresql_where=text("next_due_at IS NOT NULL"),
            sqlite_where=text("next_due_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    milestone: Mapped[str] = mapped_column(String(8))
    slot: Mapped[int] = mapped_column(default=0)
    fired_at: Mapped[datetime]
    next_due_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    occurrences: Mapped[int] = mapped_column(default=0)


class Disclosure(Base):
    """Every disclosure owed to the affected person, sent or not; its substance is encrypted."""

    __tablename__ = "disclosures"
    __table_args__ = (
        UniqueConstraint("case_id", "party_id", "milestone", "occurrence"),
        Index("ix_disclosures_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"))
    milestone: Mapped[str] = mapped_column(String(8))
    occurrence: Mapped[int] = mapped_column(default=1)
    status: Mapped[DisclosureStatus] = mapped_column(
        enum_by_value(DisclosureStatus, "disclosure_status")
    )
    channels: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    template_version: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    released_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    released_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    overdue_alerted_at: Mapped[datetime | None]
    withheld_reason: Mapped[str | None] = mapped_column(String(40))
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class SubjectNotice(Base):
    """A due-process notice owed to the subject; the portal shows its encrypted substance."""

    __tablename__ = "subject_notices"
    __table_args__ = (UniqueConstraint("case_id", "party_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40), default="")
    closes_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class NotificationPreference(Base):
    """A staff member's notification choices (opt-in daily digest)."""

    __tablename__ = "notification_preferences"

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    daily_digest: Mapped[bool] = mapped_column(default=False)


class StaffDigest(Base):
    """One staff member's daily digest: unique per (person, day), so a rerun writes nothing."""

    __tablename__ = "staff_digests"
    __table_args__ = (UniqueConstraint("staff_user_id", "digest_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    digest_date: Mapped[date]
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    amber: Mapped[int] = mapped_column(default=0)
    red: Mapped[int] = mapped_column(default=0)
    ceiling: Mapped[int] = mapped_column(default=0)
    # Comma-separated ids of the cases the alerts concern (ids only, for links).
    case_ids: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class RetentionRun(Base):
    """One run of the retention job: ids and counts only."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime]
    shredded: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    case_ids: Mapped[str] = mapped_column(Text, default="")
