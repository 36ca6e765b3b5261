"""Timeline records of a case: milestone events, clock stops and deadline extensions.

These are the facts the deadline arithmetic (casework.timelines) is computed from; each row is
plaintext metadata except an extension's reason, which may reveal evidence and is encrypted.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, enum_by_value


class CaseEventRecord(Base):
    """One event of a case's timeline (received, acknowledged, referred, ...), append-only."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_name", "case_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class StopReasonCode(enum.Enum):
    """The only grounds on which a case's clocks may stop (domain.md section 4)."""

    INFORMAL_RESOLUTION = "informal_resolution"
    MEDIATION = "mediation"
    SUBJECT_SICK_LEAVE = "subject_sick_leave"
    EXTERNAL_INFORMATION_REQUEST = "external_information_request"


class RequestStatus(enum.Enum):
    """Where a request for a clock stop or an extension stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class ClockStop(Base):
    """A pause of every clock of a case; it counts only once a supervisor approved it."""

    __tablename__ = "clock_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[StopReasonCode] = mapped_column(enum_by_value(StopReasonCode, "stop_reason"))
    status: Mapped[RequestStatus] = mapped_column(enum_by_value(RequestStatus, "clock_stop_status"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    requested_at: Mapped[datetime]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    approved_at: Mapped[datetime | None]


class Extension(Base):
    """A request to extend one deadline of a case; the reason is encrypted under the case key."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    deadline_key: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int]
    reason_ct: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[RequestStatus] = mapped_column(enum_by_value(RequestStatus, "extension_status"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    requested_at: Mapped[datetime]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None]
