"""Operational records: worker heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class WorkerHeartbeat(Base):
    """The last time a worker process ran the periodic heartbeat task."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime]
    beats: Mapped[int] = mapped_column(default=0)
