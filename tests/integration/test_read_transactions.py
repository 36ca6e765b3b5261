"""A successful read ends its transaction with COMMIT; anything that wrote or failed rolls back.

On PostgreSQL the difference matters: psycopg drops a connection's prepared statements at every
ROLLBACK, so reads that rolled back made the next requests on that connection plan afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from casework.db import only_read
from casework.extensions import db
from casework.identity.models import Entity, Role
from casework.keys.services import Keys
from tests.factories import make_entity, make_staff
from tests.support.access_matrix import signed_in_client


@pytest.fixture
def transaction_ends(app: Flask) -> Iterator[list[str]]:
    """How each connection-level transaction of the app's engine ended, in order."""
    ends: list[str] = []

    def committed(_connection: object) -> None:
        ends.append("commit")

    def rolled_back(_connection: object) -> None:
        ends.append("rollback")

    event.listen(db.engine, "commit", committed)
    event.listen(db.engine, "rollback", rolled_back)
    yield ends
    event.remove(db.engine, "commit", committed)
    event.remove(db.engine, "rollback", rolled_back)


def test_a_page_that_only_reads_commits(
    app: Flask, session: Session, keys: Keys, now: datetime, transaction_ends: list[str]
) -> None:
    user = make_staff(session, make_entity(session, now), Role.SUPERVISOR, now)
    client, _csrf = signed_in_client(app, session, user)
    transaction_ends.clear()
    page = client.get("/")
    assert page.status_code == 200
    assert transaction_ends and set(transaction_ends) == {"commit"}


def test_a_refused_read_still_rolls_back(
    app: Flask, session: Session, now: datetime, transaction_ends: list[str]
) -> None:
    user = make_staff(session, make_entity(session, now), Role.SUPERVISOR, now)
    client, _csrf = signed_in_client(app, session, user)
    transaction_ends.clear()
    page = client.get("/admin/users")  # a supervisor is no administrator
    assert page.status_code >= 400
    assert "commit" not in transaction_ends


def test_only_read_sees_flushes_and_write_statements(session: Session, now: datetime) -> None:
    session.commit()
    assert not only_read(session)  # no transaction open
    session.scalars(select(Entity)).all()
    assert only_read(session)
    entity = make_entity(session, now)  # flushes an INSERT
    assert not only_read(session)
    session.commit()
    session.scalars(select(Entity)).all()
    assert only_read(session)
    session.execute(update(Entity).where(Entity.id == entity.id).values(name="Renamed"))
    assert not only_read(session)
    session.rollback()
    session.scalars(select(Entity)).all()
    assert only_read(session)
