"""What every benchmark is handed: the populated database, the broker and the instance folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class BenchContext:
    """A PostgreSQL database holding `cases` synthetic cases, keyed by the keyring in `instance`."""

    database_url: str
    broker_url: str
    instance: Path
    cases: int
    seed: int
    quick: bool
    # The instant the synthetic data was generated as seen from.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Whether this is the run's largest size: once-per-run measurements (long runs) happen there.
    largest: bool = True
