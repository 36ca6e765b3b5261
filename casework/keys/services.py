"""Data-key lifecycle: create, open, re-wrap on KEK rotation, retire old KEKs.

Services flush, never commit; the boundary (CLI command, view, task) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import CaseKey
from casework.crypto import BlindIndex, CaseCipher, KeyProvider, WrappedKey, new_data_key
from casework.errors import KeyUnavailable


@dataclass(frozen=True)
class Keys:
    """The key material a service needs: the KEK provider and the blind-index key."""

    provider: KeyProvider
    blind_index: BlindIndex


def create_case_key(session: Session, keys: Keys, case_id: int, now: datetime) -> CaseCipher:
    """Generate and store a new wrapped data key for a case; return its cipher."""
    data_key = new_data_key()
    wrapped = keys.provider.wrap_data_key(case_id, data_key)
    session.add(
        CaseKey(
            case_id=case_id,
            kek_version=wrapped.kek_version,
            wrapped_key=wrapped.blob,
            created_at=now,
            rewrapped_at=None,
        )
    )
    session.flush()
    return CaseCipher(case_id, data_key)


def open_case_cipher(session: Session, keys: Keys, case_id: int) -> CaseCipher:
    """Unwrap a case's data key; fails closed if the case was shredded or its KEK retired."""
    row = session.get(CaseKey, case_id)
    if row is None:
        raise KeyUnavailable(f"case {case_id} has no data key (crypto-shredded or never keyed)")
    data_key = keys.provider.unwrap_data_key(case_id, WrappedKey(row.kek_version, row.wrapped_key))
    return CaseCipher(case_id, data_key)


def keys_pending_rewrap(session: Session, provider: KeyProvider) -> int:
    """Count data keys not yet wrapped with the active KEK."""
    active = provider.active_kek_version()
    statement = select(func.count()).select_from(CaseKey).where(CaseKey.kek_version != active)
    return session.scalar(statement) or 0


def rewrap_batch(session: Session, provider: KeyProvider, batch_size: int, now: datetime) -> int:
    """Re-wrap up to `batch_size` data keys with the active KEK; return how many were done.

    Each batch is independent: a crash loses at most the uncommitted batch, and a rerun picks
    up whatever is still on an old version, so rotation is resumable.
    """
    active = provider.active_kek_version()
    rows = session.scalars(
        select(CaseKey)
        .where(CaseKey.kek_version != active)
        .order_by(CaseKey.case_id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        data_key = provider.unwrap_data_key(
            row.case_id, WrappedKey(row.kek_version, row.wrapped_key)
        )
        wrapped = provider.wrap_data_key(row.case_id, data_key)
        row.kek_version = wrapped.kek_version
        row.wrapped_key = wrapped.blob
        row.rewrapped_at = now
    session.flush()
    return len(rows)


def keys_wrapped_with(session: Session, kek_version: int) -> int:
    """Count data keys still wrapped with a given KEK version."""
    statement = select(func.count()).select_from(CaseKey).where(CaseKey.kek_version == kek_version)
    return session.scalar(statement) or 0
