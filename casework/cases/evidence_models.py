"""Evidence files: metadata in clear for the chain of custody, content encrypted in chunks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class EvidenceFile(Base):
    """One uploaded evidence file; its name is made by the server, never taken from the upload."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    description_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    uploaded_at: Mapped[datetime]


class EvidenceChunk(Base):
    """One encrypted chunk of an evidence file, bound to its index by the cipher."""

    __tablename__ = "evidence_chunks"
    __table_args__ = (UniqueConstraint("evidence_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id", ondelete="CASCADE"))
    index: Mapped[int]
    blob: Mapped[bytes] = mapped_column(LargeBinary)
