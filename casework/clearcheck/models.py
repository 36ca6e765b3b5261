"""The ClearCheck screening record: minimal identifying data, encrypted; reason and dates plain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, enum_by_value


class ScreeningReason(enum.Enum):
    """Why a person is on the screening list."""

    SEPARATED = "separated"
    DISMISSED = "dismissed"
    LEFT_WITH_ALLEGATIONS_PENDING = "left_with_allegations_pending"


class ClearCheckRecord(Base):
    """One screening record produced by a case; name and e-mail are encrypted under the
    screening key (not the case's), so the record outlives the crypto-shredding of its case."""

    __tablename__ = "clearcheck_records"
    __table_args__ = (UniqueConstraint("case_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"))
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[ScreeningReason] = mapped_column(
        enum_by_value(ScreeningReason, "screening_reason")
    )
    event_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    last_exported_at: Mapped[datetime | None]
