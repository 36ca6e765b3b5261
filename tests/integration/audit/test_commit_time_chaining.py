"""Entries join the chain when their transaction commits: no head lock before, nothing on rollback."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.audit.services import record_audit, verify_chain
from casework.extensions import db


def _append(session: Session, action: str, now: datetime) -> AuditEntry:
    return record_audit(session, 1, action, 7, "192.0.2.1", now)


def _chain(session: Session) -> list[tuple[int, str]]:
    session.rollback()
    return [(e.seq, e.action) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_two_open_transactions_append_without_waiting_for_each_other(
    app: Flask, session: Session, now: datetime
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    _append(session, "case.view", now)
    session.commit()  # the head row exists: a waiting append would block on its row lock
    with Session(db.engine) as first, Session(db.engine) as second:
        for each in (first, second):
            each.execute(text("SET LOCAL lock_timeout = '1s'"))
        _append(first, "first.open", now)
        first.execute(text("SELECT 1"))
        _append(second, "second.open", now)  # the head was locked until commit: this waited
        second.execute(text("SELECT 1"))
        second.commit()
        first.commit()
    assert _chain(session) == [(1, "case.view"), (2, "second.open"), (3, "first.open")]
    report = verify_chain(session)
    assert report.ok and report.entries == 3


def test_the_chain_position_is_taken_at_commit_and_read_back_in_the_transaction(
    session: Session, now: datetime
) -> None:
    entry = _append(session, "case.view", now)
    assert entry.seq is None
    rows = session.scalars(select(AuditEntry.action)).all()  # reading the trail chains it now
    assert rows == ["case.view"] and entry.seq == 1
    session.commit()
    assert verify_chain(session).ok


def test_a_rolled_back_transaction_leaves_no_entry_and_no_gap(
    session: Session, now: datetime
) -> None:
    _append(session, "kept.one", now)
    session.commit()
    _append(session, "dropped", now)
    session.execute(select(1))
    session.rollback()
    _append(session, "kept.two", now)
    session.commit()
    with Session(db.engine) as closed:
        _append(closed, "closed.uncommitted", now)
    assert _chain(session) == [(1, "kept.one"), (2, "kept.two")]
    assert verify_chain(session).ok


def test_a_rolled_back_savepoint_drops_only_its_entries(session: Session, now: datetime) -> None:
    _append(session, "outer", now)
    with session.begin_nested():
        _append(session, "released", now)
    savepoint = session.begin_nested()
    _append(session, "rolled.back", now)
    with session.begin_nested():
        _append(session, "inside.rolled.back", now)
    savepoint.rollback()
    _append(session, "after", now)
    session.commit()
    assert _chain(session) == [(1, "outer"), (2, "released"), (3, "after")]
    assert verify_chain(session).ok


def test_a_session_outside_flask_chains_on_commit(app: Flask, now: datetime) -> None:
    with Session(db.engine) as session:
        _append(session, "cli.one", now)
        _append(session, "cli.two", now)
        session.commit()
        assert _chain(session) == [(1, "cli.one"), (2, "cli.two")]
        assert verify_chain(session).ok
