"""Append to, verify and export the hash-chained audit trail. Services flush, never commit."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, select, text, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from casework.audit.models import AuditChainHead, AuditEntry, AuditPending

GENESIS = "0" * 64
HEAD_ID = 1
ALLOWED = "allowed"
DENIED = "denied"
_OUTCOMES = (ALLOWED, DENIED)
# The session.info flag a boundary reads to know an audit entry awaits its commit.
PENDING_FLAG = "casework.audit_pending"
# session.info keys: the (ordinal, entry) pairs awaiting the chain at commit, and the first
# ordinal after each open savepoint began (rolling it back drops the entries from there on).
_QUEUE = "casework.audit_queue"
_MARKS = "casework.audit_savepoints"
_ORDINALS = itertools.count()
_TRAIL_TABLES = frozenset((AuditEntry.__table__, AuditChainHead.__table__))


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
    return hashlib.sha256(_canonical_json(fields).encode("ascii")).hexdigest()


def _lock_head(session: Session) -> AuditChainHead:
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no FOR UPDATE: a write takes the database's write lock before the read.
        bump = update(AuditChainHead).values(last_seq=AuditChainHead.last_seq)
        session.execute(bump, execution_options={"synchronize_session": False})
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
    """Append one entry (who, what, which case, from where, outcome) to the chain at commit.

    `source` is the client address (never a URL or its query). The entry waits on the session
    and takes its place in the chain (seq, prev_hash, entry_hash) when the transaction commits;
    a rollback drops it. See docs/audit.md.
    """
    if outcome not in _OUTCOMES:
        raise ValueError(f"audit outcome must be one of {_OUTCOMES}, got {outcome!r}")
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        token_id=token_id,
        case_id=case_id,
        action=action[:64],
        source=source[:64],
        outcome=outcome,
    )
    session.info.setdefault(_QUEUE, []).append((next(_ORDINALS), entry))
    session.info[PENDING_FLAG] = True
    return entry


# PostgreSQL chains an entry in one round trip: lock the head, hash (the canonical JSON is
# assembled around the locked head's values, see `hash_frame`), insert the entry, move the head.
_APPEND_PG = """
WITH head AS (
    SELECT last_seq + 1 AS seq, last_hash AS prev_hash
    FROM audit_chain_head WHERE id = :head_id FOR UPDATE
), chained AS (
    SELECT seq, prev_hash, encode(sha256(convert_to(
        :prefix || prev_hash || :middle || seq::text || :suffix, 'UTF8')), 'hex') AS entry_hash
    FROM head
), inserted AS (
    INSERT INTO audit_entries
        (seq, at, actor_id, token_id, case_id, action, source, outcome, prev_hash, entry_hash)
    SELECT seq, :at, :actor_id, :token_id, :case_id, :action, :source, :outcome,
           prev_hash, entry_hash
    FROM chained
    RETURNING seq, prev_hash, entry_hash
)
UPDATE audit_chain_head SET last_seq = inserted.seq, last_hash = inserted.entry_hash
FROM inserted WHERE audit_chain_head.id = :head_id
RETURNING inserted.seq, inserted.prev_hash, inserted.entry_hash
"""


_MAKE_HEAD_PG = text(
    "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (:head_id, 0, :genesis) "
    "ON CONFLICT (id) DO NOTHING"
)

# The entry's own values in _APPEND_PG (seq, prev_hash and entry_hash come from the head).
_APPENDED_FIELDS = ("at", "actor_id", "token_id", "case_id", "action", "source", "outcome")


def hash_frame(entry: AuditEntry) -> tuple[str, str, str]:
    """The canonical JSON of an entry around its prev_hash and seq: (prefix, middle, suffix).

    `prefix + prev_hash + middle + str(seq) + suffix` is the canonical serialisation: keys are
    sorted, and `prev_hash` and `seq` are adjacent between `outcome` and `source`.
    """
    fields = canonical_fields(entry)
    before = {key: value for key, value in fields.items() if key < "prev_hash"}
    after = {key: value for key, value in fields.items() if key > "seq"}
    prefix = _canonical_json(before)[:-1] + ',"prev_hash":"'
    return prefix, '","seq":', "," + _canonical_json(after)[1:]


def _canonical_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _append_in_one_statement(session: Session, entry: AuditEntry) -> bool:
    """Chain one entry on PostgreSQL in a single statement; False if the head does not exist."""
    prefix, middle, suffix = hash_frame(entry)
    row = session.execute(
        text(_APPEND_PG),
        {
            "head_id": HEAD_ID,
            "prefix": prefix,
            "middle": middle,
            "suffix": suffix,
            **{name: getattr(entry, name) for name in _APPENDED_FIELDS},
        },
    ).one_or_none()
    if row is None:
        return False
    entry.seq, entry.prev_hash, entry.entry_hash = row.seq, row.prev_hash, row.entry_hash
    return True


def _chain_pending(session: Session) -> None:
    """Lock the head and chain the session's waiting entries onto it, in append order."""
    queued: list[tuple[int, AuditEntry]] = session.info.pop(_QUEUE, [])
    if not queued:
        return
    if session.get_bind().dialect.name == "postgresql":
        cached_head = session.identity_map.get(session.identity_key(AuditChainHead, HEAD_ID))
        if cached_head is not None:
            session.expire(cached_head)  # the statement moves the head behind the ORM's back
        if not _append_in_one_statement(session, queued[0][1]):
            # The first entry ever: make the head (a concurrent first append may make it too).
            session.execute(_MAKE_HEAD_PG, {"head_id": HEAD_ID, "genesis": GENESIS})
            _append_in_one_statement(session, queued[0][1])
        for _ordinal, entry in queued[1:]:
            _append_in_one_statement(session, entry)
        return
    head = _lock_head(session)
    seq, previous = head.last_seq, head.last_hash
    for _ordinal, entry in queued:
        seq += 1
        entry.seq = seq
        entry.prev_hash = previous
        entry.entry_hash = entry_digest(canonical_fields(entry))
        previous = entry.entry_hash
        session.add(entry)
    head.last_seq, head.last_hash = seq, previous
    session.flush()


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    # Also fires when a savepoint is released: only the outermost commit chains.
    if session.in_nested_transaction() or not session.info.get(_QUEUE):
        return
    # Write everything else first, so the head is locked last and only until COMMIT: no
    # transaction waits for another's row locks while it holds the head.
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        _chain_inside_commit(session)
    else:
        _chain_pending(session)


# The table, not the entity: a plain INSERT, without the ORM's bulk machinery.
_INSERT_PENDING = insert(cast(Table, AuditPending.__table__))


def _chain_inside_commit(session: Session) -> None:
    """Hand the waiting entries to the deferred trigger, which chains them during COMMIT.

    The head is then locked only inside the server's COMMIT: not across a round trip to this
    process, which under load may wait for a CPU or the GIL while every other writer waits.
    """
    queued: list[tuple[int, AuditEntry]] = session.info.pop(_QUEUE, [])
    rows = []
    for _ordinal, entry in queued:
        prefix, middle, suffix = hash_frame(entry)
        fields = {name: getattr(entry, name) for name in _APPENDED_FIELDS}
        rows.append(
            fields | {"frame_prefix": prefix, "frame_middle": middle, "frame_suffix": suffix}
        )
    # On the connection, not the session: no ORM hooks or state for an insert nothing reads back.
    session.connection().execute(_INSERT_PENDING, rows)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = next(_ORDINALS)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queued = session.info.get(_QUEUE)
    if not queued:
        return
    # The transaction that rolled back in the database: the savepoint or root it belongs to.
    boundary = previous_transaction
    while boundary.parent is not None and not boundary.nested:
        boundary = boundary.parent
    if boundary.parent is None:
        session.info.pop(_QUEUE, None)
        return
    mark = session.info.get(_MARKS, {}).get(boundary)
    if mark is not None:
        session.info[_QUEUE] = [(ordinal, e) for ordinal, e in queued if ordinal < mark]


@event.listens_for(Session, "after_transaction_end")
def _drop_on_close(session: Session, transaction: SessionTransaction) -> None:
    # Closing without a commit rolls back; after a commit the queue is already empty. (A
    # savepoint's mark stays until then: its rollback event comes after its end event.)
    if transaction.parent is None:
        session.info.pop(_QUEUE, None)
        session.info.pop(_MARKS, None)


# Whether a statement touches the trail, by statement object: most are built once and run on
# every request, and walking one costs more than the rest of this hook. The entry keeps the
# statement alive, so its id cannot be reused while the entry stands.
_TOUCHES_TRAIL: dict[int, tuple[ClauseElement, bool]] = {}
_TOUCHES_TRAIL_KEPT = 512


def _touches_trail(statement: ClauseElement) -> bool:
    known = _TOUCHES_TRAIL.get(id(statement))
    if known is not None and known[0] is statement:
        return known[1]
    touches = bool(_TRAIL_TABLES.intersection(find_tables(statement, include_crud=True)))
    if len(_TOUCHES_TRAIL) >= _TOUCHES_TRAIL_KEPT:
        _TOUCHES_TRAIL.clear()
    _TOUCHES_TRAIL[id(statement)] = (statement, touches)
    return touches


@event.listens_for(Session, "do_orm_execute")
def _chain_before_reading_the_trail(state: ORMExecuteState) -> None:
    # Reading the trail in the transaction that appended to it sees its own entries: they are
    # chained now (the head then stays locked until commit, as it once always did).
    session, statement = state.session, state.statement
    if (
        session.info.get(_QUEUE)
        and isinstance(statement, ClauseElement)
        and _touches_trail(statement)
    ):
        _chain_pending(session)


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
