"""The transactional outbox: write rows with the change, relay them, claim them once, retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from casework.errors import NotFound
from casework.notifications.models import Outbox, OutboxKind, OutboxStatus

CLAIMABLE = (OutboxStatus.PENDING, OutboxStatus.QUEUED)


@dataclass(frozen=True)
class RelayPolicy:
    """Timings of the relay: when a queued row is re-queued, when a sending claim is stale."""

    requeue_after: timedelta = timedelta(minutes=5)
    # Must exceed the task hard time limit: only a dead worker leaves a claim this old.
    stale_after: timedelta = timedelta(minutes=10)
    batch_size: int = 500
    max_attempts: int = 6
    backoff_base: timedelta = timedelta(seconds=30)


def add_outbox(
    session: Session,
    kind: OutboxKind,
    now: datetime,
    *,
    case_id: int | None = None,
    ref_id: int | None = None,
    channel: str | None = None,
    party_id: int | None = None,
    staff_user_id: int | None = None,
) -> Outbox:
    """Write a pending outbox row (ids and codes only) in the caller's transaction."""
    row = Outbox(
        kind=kind,
        case_id=case_id,
        ref_id=ref_id,
        channel=channel,
        party_id=party_id,
        staff_user_id=staff_user_id,
        status=OutboxStatus.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    return row


def relay_due(session: Session, now: datetime, policy: RelayPolicy) -> list[int]:
    """Mark due rows queued and return their ids; stale claims and lost messages come back."""
    session.execute(
        update(Outbox)
        .where(
            Outbox.status == OutboxStatus.SENDING,
            Outbox.claimed_at <= now - policy.stale_after,
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now)
    )
    ids = list(
        session.scalars(
            select(Outbox.id)
            .where(
                or_(
                    (Outbox.status == OutboxStatus.PENDING) & (Outbox.next_attempt_at <= now),
                    (Outbox.status == OutboxStatus.QUEUED)
                    & (Outbox.queued_at <= now - policy.requeue_after),
                )
            )
            .order_by(Outbox.id)
            .limit(policy.batch_size)
        )
    )
    if ids:
        session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status.in_(CLAIMABLE))
            .values(status=OutboxStatus.QUEUED, queued_at=now)
        )
    session.flush()
    return ids


# The claim and outcome statements are built once: delivery runs them for every row.
_OUTBOX = cast(Table, Outbox.__table__)
_NOW = bindparam("now", type_=_OUTBOX.c.claimed_at.type)
# Parameters: outbox_id, now. Returns the claimed row (see claim), or nothing.
CLAIM = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("outbox_id"),
        or_(
            _OUTBOX.c.status == OutboxStatus.QUEUED,
            (_OUTBOX.c.status == OutboxStatus.PENDING) & (_OUTBOX.c.next_attempt_at <= _NOW),
        ),
    )
    .values(status=OutboxStatus.SENDING, claimed_at=_NOW, attempts=_OUTBOX.c.attempts + 1)
    .returning(
        _OUTBOX.c.id,
        _OUTBOX.c.kind,
        _OUTBOX.c.ref_id,
        _OUTBOX.c.channel,
        _OUTBOX.c.party_id,
        _OUTBOX.c.staff_user_id,
        _OUTBOX.c.attempts,
    )
)
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("outbox_id"))
    .values(status=OutboxStatus.SENT, sent_at=_NOW, last_error=None)
)


def claim(connection: Connection, outbox_id: int, now: datetime) -> Row[Any] | None:
    """Atomically move a row to 'sending' and return it; None if another delivery has it or
    it is done.

    The returned row carries id, kind, ref_id, channel, party_id, staff_user_id and attempts
    (already counting this one).
    """
    return connection.execute(CLAIM, {"outbox_id": outbox_id, "now": now}).first()


def mark_sent(row: Outbox, now: datetime) -> None:
    """Record a delivery."""
    row.status = OutboxStatus.SENT
    row.sent_at = now
    row.last_error = None


def record_sent(connection: Connection, outbox_id: int, now: datetime) -> None:
    """Record a delivery with one statement (the row is not loaded)."""
    connection.execute(_SENT, {"outbox_id": outbox_id, "now": now})


def record_status(connection: Connection, outbox_id: int, status: OutboxStatus) -> None:
    """Set a row's status with one statement (the row is not loaded)."""
    connection.execute(update(_OUTBOX).where(_OUTBOX.c.id == outbox_id).values(status=status))


def retry_values(
    attempts: int, now: datetime, error: str, policy: RelayPolicy
) -> dict[str, object]:
    """The columns of a failed attempt: back off exponentially, or fail after the last one."""
    if attempts >= policy.max_attempts:
        return {"status": OutboxStatus.FAILED, "last_error": error[:120]}
    return {
        "status": OutboxStatus.PENDING,
        "last_error": error[:120],
        "next_attempt_at": now + policy.backoff_base * (2 ** max(attempts - 1, 0)),
    }


def mark_retry(row: Outbox, now: datetime, error: str, policy: RelayPolicy) -> bool:
    """Back off exponentially, or fail after the last attempt; True if it failed for good."""
    for name, value in retry_values(row.attempts, now, error, policy).items():
        setattr(row, name, value)
    return row.status is OutboxStatus.FAILED


def record_retry(
    connection: Connection,
    outbox_id: int,
    attempts: int,
    now: datetime,
    error: str,
    policy: RelayPolicy,
) -> bool:
    """mark_retry with one statement (the row is not loaded); True if it failed for good."""
    values = retry_values(attempts, now, error, policy)
    connection.execute(update(_OUTBOX).where(_OUTBOX.c.id == outbox_id).values(**values))
    return values["status"] is OutboxStatus.FAILED


def failed_rows(session: Session) -> list[Outbox]:
    """Rows that exhausted their retries, for administrators."""
    return list(
        session.scalars(
            select(Outbox).where(Outbox.status == OutboxStatus.FAILED).order_by(Outbox.id)
        )
    )


def retry_failed(session: Session, outbox_id: int, now: datetime) -> Outbox:
    """Give a failed row a fresh set of attempts."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status is not OutboxStatus.FAILED:
        raise NotFound(f"outbox row {outbox_id} is not failed")
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = now
    row.last_error = None
    session.flush()
    return row
