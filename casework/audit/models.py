"""The append-only, hash-chained audit trail and the head row that serialises appends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class AuditEntry(Base):
    """One audited act: who, when, which case, which action, from where, outcome; never content.

    `seq` is the position in the chain (1, 2, ...); `prev_hash` is the previous entry's
    `entry_hash` (64 zeros for the first); `entry_hash` is the SHA-256 of the canonical
    serialisation of every other field (see docs/audit.md).
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    token_id: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The single row naming the chain's last entry; locked FOR UPDATE to serialise appends."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditPending(Base):
    """An entry waiting for its transaction's COMMIT to be chained (PostgreSQL only).

    The application inserts the entry's fields and its canonical JSON around the two values only
    the head knows (see `hash_frame`); a deferred trigger chains it into `audit_entries` during
    COMMIT and deletes this row, so a committed database never holds one. The head row is then
    locked only inside the server's COMMIT, never while the application holds the transaction.
    """

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    token_id: Mapped[int | None]
    case_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    frame_prefix: Mapped[str] = mapped_column(Text)
    frame_middle: Mapped[str] = mapped_column(Text)
    frame_suffix: Mapped[str] = mapped_column(Text)


# Runs once per pending row, in insertion order, when the inserting transaction commits: lock the
# head (made on first use), hash the canonical JSON assembled around its seq and hash, insert the
# entry, move the head, drop the pending row. Rows of a rolled-back savepoint never fire.
CHAIN_PENDING_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_seq integer;
    previous text;
    digest text;
BEGIN
    SELECT last_seq + 1, last_hash INTO next_seq, previous
    FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_chain_head (id, last_seq, last_hash)
        VALUES (1, 0, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
        SELECT last_seq + 1, last_hash INTO next_seq, previous
        FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    END IF;
    digest := encode(sha256(convert_to(
        NEW.frame_prefix || previous || NEW.frame_middle || next_seq::text || NEW.frame_suffix,
        'UTF8')), 'hex');
    INSERT INTO audit_entries
        (seq, at, actor_id, token_id, case_id, action, source, outcome, prev_hash, entry_hash)
    VALUES (next_seq, NEW.at, NEW.actor_id, NEW.token_id, NEW.case_id, NEW.action, NEW.source,
            NEW.outcome, previous, digest);
    UPDATE audit_chain_head SET last_seq = next_seq, last_hash = digest WHERE id = 1;
    DELETE FROM audit_pending WHERE id = NEW.id;
    RETURN NULL;
END
$$
"""
CHAIN_PENDING_TRIGGER = """
CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_pending()
"""
# Rows live only inside a transaction: nothing to write to the WAL or to replicate.
PENDING_UNLOGGED = "ALTER TABLE audit_pending SET UNLOGGED"

for _statement in (PENDING_UNLOGGED, CHAIN_PENDING_FUNCTION, CHAIN_PENDING_TRIGGER):
    _ddl = DDL(_statement)  # type: ignore[no-untyped-call]  # SQLAlchemy leaves DDL() untyped
    event.listen(AuditPending.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))
