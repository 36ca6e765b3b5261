"""Every revision upgrades and downgrades with data in the tables; head equals the models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from casework.app import MIGRATIONS_DIR, create_app
from casework.audit.models import AuditEntry
from casework.audit.services import record_audit, verify_chain
from casework.boundary import app_keys
from casework.cases.services import read_case
from casework.db import Base
from casework.extensions import db
from tests.conftest import make_settings
from tests.factories import make_case, make_entity
from tests.support.databases import sqlite_url, temporary_postgres_database
from tests.support.services import require_postgres

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of each backend."""
    if request.param == "sqlite":
        app = create_app(make_settings(tmp_path / "instance", sqlite_url(tmp_path)))
        yield app
        with app.app_context():
            db.engine.dispose()
        return
    with temporary_postgres_database(require_postgres()) as url:
        app = create_app(make_settings(tmp_path / "instance", url))
        yield app
        with app.app_context():
            db.engine.dispose()


def _revisions() -> list[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_head_schema_equals_the_models(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []


def test_every_revision_downgrades_and_upgrades_again_with_data(empty_app: Flask) -> None:
    revisions = _revisions()
    assert revisions, "there must be at least one revision"
    with empty_app.app_context():
        upgrade()
        entity = make_entity(db.session, NOW, code="MIG")
        case = make_case(db.session, app_keys(), entity, NOW, affected_name="Kept Across")
        db.session.commit()
        case_id = case.id
        db.session.remove()  # release every lock before DDL runs
        # Step down one revision at a time to just above the base, then back up to head.
        for target in reversed(revisions[:-1]):
            downgrade(revision=target)
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "cases" in inspect(db.engine).get_table_names()
        db.session.remove()

        # After a full cycle the schema is back and data can be written and read again.
        entity = make_entity(db.session, NOW, code="MIG")
        case = make_case(db.session, app_keys(), entity, NOW, affected_name="After Cycle")
        db.session.commit()
        assert read_case(db.session, app_keys(), case).parties[0].name == "After Cycle"
        assert case_id >= 1


def test_downgrade_of_latest_revision_keeps_earlier_data(empty_app: Flask) -> None:
    revisions = _revisions()
    with empty_app.app_context():
        upgrade()
        entity = make_entity(db.session, NOW, code="KEEP")
        make_case(db.session, app_keys(), entity, NOW, affected_name="Survivor")
        db.session.commit()
        db.session.remove()
        if len(revisions) > 1:
            downgrade(revision=revisions[-2])
            upgrade()
        count = db.session.execute(text("SELECT COUNT(*) FROM cases")).scalar_one()
        assert count == 1
        name = db.session.scalar(select(Base.metadata.tables["entities"].c.code))
        assert name == "KEEP"


def _insert_outbox(kind: str) -> None:
    db.session.execute(
        text(
            "INSERT INTO outbox (kind, status, attempts, created_at, next_attempt_at) "
            "VALUES (:kind, 'pending', 0, :now, :now)"
        ),
        {"kind": kind, "now": NOW},
    )
    db.session.commit()


def test_digest_outbox_kind_exists_at_head_and_leaves_with_its_revision(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        _insert_outbox("digest")
        with pytest.raises(Exception, match=r"ck_outbox_outbox_kind|CHECK constraint"):
            _insert_outbox("carrier_pigeon")
        db.session.rollback()
        downgrade(revision="a414a29df2d9")
        assert db.session.scalar(text("SELECT count(*) FROM outbox")) == 0
        assert "staff_digests" not in inspect(db.engine).get_table_names()
        with pytest.raises(Exception, match=r"ck_outbox_outbox_kind|CHECK constraint"):
            _insert_outbox("digest")
        db.session.rollback()
        _insert_outbox("alert")
        upgrade()
        assert db.session.scalar(text("SELECT count(*) FROM outbox WHERE kind = 'alert'")) == 1


def test_a_migrated_database_chains_audit_entries_and_keeps_none_waiting(
    empty_app: Flask,
) -> None:
    with empty_app.app_context():
        upgrade()
        for action in ("first", "second"):
            record_audit(db.session, 1, action, None, "192.0.2.1", NOW)
        db.session.commit()
        db.session.expunge_all()
        chained = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert chained == ["first", "second"]
        assert db.session.scalar(text("SELECT count(*) FROM audit_pending")) == 0
        assert verify_chain(db.session).ok
        db.session.rollback()
        downgrade(revision="079545eb46e4")
        assert "audit_pending" not in inspect(db.engine).get_table_names()
        upgrade()
        record_audit(db.session, 1, "third", None, "192.0.2.1", NOW)
        db.session.commit()
        report = verify_chain(db.session)
        assert report.ok and report.entries == 3
