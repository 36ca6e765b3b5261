"""Case records: cases, parties, allegations, the step log, stage history, deadlines, data keys.

Columns ending in `_ct` hold AES-GCM ciphertexts (see casework.crypto); columns ending in
`_index` hold HMAC blind indexes. Everything else is plaintext metadata the workflow, workers and
statistics need: ids, entity, stage, category code, timestamps, deadlines, flags.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, enum_by_value


class Stage(enum.Enum):
    """Stages of domain.md section 3."""

    INTAKE = "intake"
    ASSESSMENT = "assessment"
    INVESTIGATION = "investigation"
    REFERRAL = "referral"
    DISCIPLINARY = "disciplinary"
    CLOSED = "closed"


class Outcome(enum.Enum):
    """How a closed case ended."""

    NOT_PURSUED = "not_pursued"
    RESOLVED_INFORMALLY = "resolved_informally"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    UNSUBSTANTIATED = "unsubstantiated"
    SUBSTANTIATED = "substantiated"


class Priority(enum.Enum):
    """Triage priority; urgent cases follow the shorter benchmark."""

    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class PartyRole(enum.Enum):
    """The parties of a case."""

    AFFECTED = "affected"
    SUBJECT = "subject"
    WITNESS = "witness"


class Finding(enum.Enum):
    """Finding per allegation after the investigation report is reviewed."""

    NO_EVIDENCE = "no_evidence"
    INSUFFICIENT = "insufficient"
    SUFFICIENT = "sufficient"


class Case(Base):
    """A case record; its reference and all content are encrypted under its own data key."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("entity_id", "reference_index"),
        Index("ix_cases_entity_stage", "entity_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    reference_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    reference_index: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[Stage] = mapped_column(enum_by_value(Stage, "stage"))
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[Priority] = mapped_column(enum_by_value(Priority, "priority"))
    intake_channel: Mapped[str] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(default=False)
    guidance_version: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(enum_by_value(Outcome, "outcome"))
    legal_hold: Mapped[bool] = mapped_column(default=False)
    shredded_at: Mapped[datetime | None]

    parties: Mapped[list[Party]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Party.id"
    )
    allegations: Mapped[list[Allegation]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Allegation.id"
    )
    steps: Mapped[list[CaseStep]] = relationship(
        back_populates="case", order_by="CaseStep.id", passive_deletes=True
    )
    stage_changes: Mapped[list[StageChange]] = relationship(
        back_populates="case", order_by="StageChange.id", passive_deletes=True
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Deadline.due_at"
    )
    # Filled only where a query loads the wrapped key with the case (contains_eager), so that
    # the key stays in the session for `open_case_cipher`; read-only, never loaded lazily.
    wrapped_key_row: Mapped[CaseKey | None] = relationship(viewonly=True, lazy="raise")


class ReferenceCounter(Base):
    """The last sequence number issued for an entity's references in one year."""

    __tablename__ = "reference_counters"

    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class CaseKey(Base):
    """A case's data key, wrapped by one KEK version; deleting it crypto-shreds the case."""

    __tablename__ = "case_keys"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    kek_version: Mapped[int] = mapped_column(index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    rewrapped_at: Mapped[datetime | None]


class Party(Base):
    """An affected person, subject or witness; names and contact details are encrypted."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[PartyRole] = mapped_column(enum_by_value(PartyRole, "party_role"))
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    case: Mapped[Case] = relationship(back_populates="parties")


class Allegation(Base):
    """One allegation of a case; its wording is encrypted, its finding is workflow metadata."""

    __tablename__ = "allegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    summary_ct: Mapped[bytes] = mapped_column(LargeBinary)
    finding: Mapped[Finding | None] = mapped_column(enum_by_value(Finding, "finding"))

    case: Mapped[Case] = relationship(back_populates="allegations")


class CaseStep(Base):
    """One entry of a case's append-only step log; the narrative is encrypted."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    narrative_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    case: Mapped[Case] = relationship(back_populates="steps")


class StageChange(Base):
    """Append-only history of stage changes: plaintext metadata kept after shredding."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(enum_by_value(Stage, "from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_by_value(Stage, "to_stage"))
    changed_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    outcome: Mapped[Outcome | None] = mapped_column(enum_by_value(Outcome, "outcome"))

    case: Mapped[Case] = relationship(back_populates="stage_changes")


class Deadline(Base):
    """A deadline computed from the case's pinned guidance; scanned by due time for alerts."""

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "key"),
        Index(
            "ix_deadlines_next_alert_at",
            "next_alert_at",
            postgresql_where=text("next_alert_at IS NOT NULL"),
            sqlite_where=text("next_alert_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    due_at: Mapped[datetime]
    amber_at: Mapped[datetime]
    red_at: Mapped[datetime]
    ceiling_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    # The earliest threshold not yet alerted; NULL once met or fully alerted. The scan reads
    # only rows with next_alert_at <= now, so its cost follows the rows due, not the rows stored.
    next_alert_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="deadlines")
