"""Append to, verify and export the hash-chained audit trail. Services flush, never commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
HEAD_ID = 1
ALLOWED = "allowed"
DENIED = "denied"
_OUTCOMES = (ALLOWED, DENIED)
# The session.info flag a boundary reads to know an audit entry awaits its commit.
PENDING_FLAG = "casework.audit_pending"


def canonical_fields(entry: AuditEntry) -> dict[str, Any]:
    """Return the fields an entry's hash covers, as JSON-ready values."""
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "token_id": entry.token_id,
        "case_id": entry.case_id,
        "action": entry.action,
        "source": entry.source,
        "outcome": entry.outcome,
        "prev_hash": entry.prev_hash,
    }


def entry_digest(fields: dict[str, Any]) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of an entry's fields."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _lock_head(session: Session) -> AuditChainHead:
    head = session.get(AuditChainHead, HEAD_ID, with_for_update=True, populate_existing=True)
    if head is None:
        head = AuditChainHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def record_audit(
    session: Session,
    actor_id: int | None,
    action: str,
    case_id: int | None,
    source: str,
    now: datetime,
    outcome: str = ALLOWED,
    token_id: int | None = None,
) -> AuditEntry:
    """Append one entry (who, what, which case, from where, outcome) to the chain; flushes.

    `source` is the client address (never a URL or its query). Appends are serialised by a
    row lock on the chain head, so concurrent writers cannot fork the chain.
    """
    if outcome not in _OUTCOMES:
        raise ValueError(f"audit outcome must be one of {_OUTCOMES}, got {outcome!r}")
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.last_seq + 1,
        at=now,
        actor_id=actor_id,
        token_id=token_id,
        case_id=case_id,
        action=action[:64],
        source=source[:64],
        outcome=outcome,
        prev_hash=head.last_hash,
    )
    entry.entry_hash = entry_digest(canonical_fields(entry))
    session.add(entry)
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    session.flush()
    session.info[PENDING_FLAG] = True
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying the chain: ok, or the first entry at fault and why."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    """Yield entries in seq order, a batch at a time (keyset pages: no open server cursor)."""
    after: int | None = None
    while True:
        statement = select(AuditEntry).order_by(AuditEntry.seq).limit(batch)
        if after is not None:
            statement = statement.where(AuditEntry.seq > after)
        rows = list(session.scalars(statement))
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def verify_chain(session: Session) -> ChainReport:
    """Check every entry's hash, the sequence and the links; name the first entry at fault."""
    expected_seq, previous, count = 1, GENESIS, 0
    for entry in _entries(session):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(
                False,
                count,
                expected_seq,
                f"entry {expected_seq} is missing (deleted) before entry {entry.seq}",
            )
        if entry_digest(canonical_fields(entry)) != entry.entry_hash:
            return ChainReport(False, count, entry.seq, f"entry {entry.seq} was altered")
        if entry.prev_hash != previous:
            # This entry is intact, so the link it names was broken before it.
            return ChainReport(
                False,
                count,
                entry.seq - 1,
                f"entry {entry.seq - 1} was altered, replaced or reordered "
                f"(entry {entry.seq} no longer links to it)",
            )
        previous = entry.entry_hash
        expected_seq += 1
    head = session.get(AuditChainHead, HEAD_ID)
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS)
    if last_seq > expected_seq - 1:
        return ChainReport(
            False, count, expected_seq, f"entry {expected_seq} is missing (deleted at the end)"
        )
    if last_seq < expected_seq - 1:
        return ChainReport(
            False,
            count,
            last_seq + 1,
            f"entry {last_seq + 1} was inserted after the chain head",
        )
    if last_hash != previous:
        return ChainReport(False, count, last_seq, f"entry {last_seq} was altered")
    return ChainReport(True, count)


def export_lines(session: Session) -> Iterator[str]:
    """Yield the chain as JSON lines (canonical fields plus entry_hash), in sequence order."""
    for entry in _entries(session):
        fields = canonical_fields(entry)
        fields["entry_hash"] = entry.entry_hash
        yield json.dumps(fields, sort_keys=True, separators=(",", ":"))
