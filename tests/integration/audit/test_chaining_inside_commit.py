"""PostgreSQL chains waiting entries inside COMMIT (deferred trigger): the head is never locked
while the application still holds the transaction, and nothing waits in `audit_pending`."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry, AuditPending
from casework.audit.services import record_audit, verify_chain
from casework.extensions import db

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def _postgresql_only(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the deferred trigger is PostgreSQL's; SQLite chains in the application")


def _head_is_free() -> bool:
    with Session(db.engine) as other:
        try:
            other.execute(text("SELECT 1 FROM audit_chain_head FOR UPDATE NOWAIT"))
        except OperationalError:
            return False
        finally:
            other.rollback()
    return True


def test_the_head_is_free_until_the_server_runs_the_commit(now: datetime) -> None:
    with Session(db.engine) as first:
        record_audit(first, 1, "first", 7, "192.0.2.1", now)
        first.commit()  # the head row exists now
        free_at_commit: list[bool] = []
        record_audit(first, 1, "second", 7, "192.0.2.1", now)
        connection = first.connection()

        def _before_commit_is_sent(_connection: Connection) -> None:
            free_at_commit.append(_head_is_free())

        event.listen(connection, "commit", _before_commit_is_sent)
        first.commit()
        assert free_at_commit == [True]
        entries = first.execute(select(AuditEntry.seq, AuditEntry.action).order_by(AuditEntry.seq))
        assert entries.all() == [(1, "first"), (2, "second")]


def test_a_commit_chains_its_entries_in_order_and_leaves_nothing_waiting(
    session: Session, now: datetime
) -> None:
    for action in ("one", "two", "three"):
        record_audit(session, 1, action, 7, "192.0.2.1", now)
    session.commit()
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["one", "two", "three"]
    assert session.scalar(select(func.count()).select_from(AuditPending)) == 0
    assert verify_chain(session).ok


def test_concurrent_commits_form_one_gapless_chain(session: Session, now: datetime) -> None:
    threads, commits, engine = 6, 15, db.engine

    def writer(number: int) -> None:
        with Session(engine) as own:
            for commit in range(commits):
                record_audit(own, number, f"w{number}.{commit}.a", 7, "192.0.2.1", now)
                record_audit(own, number, f"w{number}.{commit}.b", 7, "192.0.2.1", now)
                own.commit()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rows = session.execute(select(AuditEntry.seq, AuditEntry.action).order_by(AuditEntry.seq))
    chained = rows.all()
    assert [seq for seq, _action in chained] == list(range(1, threads * commits * 2 + 1))
    # Each transaction's two entries are adjacent: a transaction chains as one block.
    positions = {action: seq for seq, action in chained}
    for number in range(threads):
        for commit in range(commits):
            a, b = positions[f"w{number}.{commit}.a"], positions[f"w{number}.{commit}.b"]
            assert b == a + 1
    report = verify_chain(session)
    assert report.ok and report.entries == threads * commits * 2


def test_first_appends_chained_early_in_racing_transactions_make_one_head(
    session: Session, now: datetime
) -> None:
    writers, engine = 4, db.engine
    start, failures = threading.Barrier(writers), []

    def writer(number: int) -> None:
        try:
            with Session(engine) as own:
                record_audit(own, number, f"first.{number}", 7, "192.0.2.1", now)
                start.wait()
                own.scalars(select(AuditEntry.seq)).all()  # reading the trail chains at once
                own.commit()
        except Exception as error:  # collected and asserted on below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    report = verify_chain(session)
    assert report.ok and report.entries == writers
