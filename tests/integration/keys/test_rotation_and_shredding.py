"""KEK rotation (resumable after a kill), retirement, and crypto-shredding."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.app import create_app
from casework.boundary import app_keyring, app_keys, app_settings
from casework.cases.models import Allegation, CaseKey, CaseStep, Party, Stage, StageChange
from casework.cases.retention import shred_case
from casework.cases.services import get_case, log_step, read_case
from casework.crypto import BlindIndex, LocalKeyring
from casework.db import Base
from casework.errors import KeyUnavailable, TransitionRefused
from casework.extensions import db
from casework.keys.services import Keys, keys_pending_rewrap
from tests.conftest import make_settings
from tests.factories import make_case, make_entity
from tests.support.cli import cli_env, run_cli, start_cli
from tests.support.databases import sqlite_url, temporary_postgres_database
from tests.support.services import require_postgres

CASES = 60


@pytest.fixture(params=["sqlite", "postgresql"])
def own_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app with its own database and keyring: rotation changes the keyring for good."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = sqlite_url(tmp_path)
        else:
            url = stack.enter_context(temporary_postgres_database(require_postgres()))
        app = create_app(make_settings(tmp_path / "instance", url))
        with app.app_context():
            Base.metadata.create_all(db.engine)
            yield app
            db.session.remove()
            db.engine.dispose()


def _fresh_keys(app: Flask) -> Keys:
    keyring = LocalKeyring.load(app_settings(app).keyring_path)
    return Keys(keyring, BlindIndex(keyring.blind_index_key))


def test_rotation_killed_halfway_then_rerun_finishes_and_old_kek_retires(
    own_app: Flask, now: datetime
) -> None:
    app, session, keys = own_app, db.session, app_keys(own_app)
    entity = make_entity(session, now)
    case_ids = [
        make_case(session, keys, entity, now, affected_name=f"Name {n}").id for n in range(CASES)
    ]
    session.commit()
    keyring_before = app_keyring(app).active_kek_version()
    env = cli_env(app_settings(app))

    rotation = start_cli(["keys", "rotate", "--batch-size", "5", "--pause", "0.3"], env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = rotation.stdout.readline() if rotation.stdout else ""
        if line.startswith("re-wrapped 10 "):
            break
    rotation.send_signal(signal.SIGKILL)
    rotation.wait(timeout=10)
    if rotation.stdout:
        rotation.stdout.close()
    assert rotation.returncode == -signal.SIGKILL

    keys_after_kill = _fresh_keys(app)
    pending = keys_pending_rewrap(session, keys_after_kill.provider)
    assert keys_after_kill.provider.active_kek_version() == keyring_before + 1
    assert 0 < pending < CASES, "the kill should land in the middle of the rotation"

    rerun = run_cli(["keys", "rotate", "--batch-size", "7"], env)
    assert rerun.returncode == 0, rerun.stderr
    assert f"resuming rotation to KEK version {keyring_before + 1}" in rerun.stdout
    assert "0 remaining" in rerun.stdout

    retire = run_cli(["keys", "retire", str(keyring_before)], env)
    assert retire.returncode == 0, retire.stderr
    final_keys = _fresh_keys(app)
    assert keyring_before not in final_keys.provider.usable_kek_versions()
    session.expire_all()
    versions = set(session.scalars(select(CaseKey.kek_version)))
    assert versions == {keyring_before + 1}
    for n, case_id in enumerate(case_ids):
        assert (
            read_case(session, final_keys, get_case(session, case_id)).parties[0].name
            == f"Name {n}"
        )


def test_retiring_a_kek_still_in_use_is_refused(own_app: Flask, now: datetime) -> None:
    app, session, keys = own_app, db.session, app_keys(own_app)
    make_case(session, keys, make_entity(session, now), now)
    session.commit()
    env = cli_env(app_settings(app))
    active = str(app_keyring(app).active_kek_version())
    result = run_cli(["keys", "retire", active], env)
    assert result.returncode != 0
    assert "still wraps 1 data keys" in result.stderr
    assert keys_pending_rewrap(session, _fresh_keys(app).provider) == 0


def test_shredding_destroys_content_and_keeps_stage_history(
    session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now, affected_name="Shred Canary", received_days_ago=10)
    log_step(session, keys, case, "note", "Shred narrative", now, None, now)
    keep = make_case(session, keys, entity, now, affected_name="Keep Me")
    session.commit()

    shred_case(session, case, now)
    session.commit()
    session.expire_all()

    for model in (Party, Allegation, CaseStep, CaseKey):
        count = session.scalar(
            select(func.count()).select_from(model).where(model.case_id == case.id)
        )
        assert count == 0, model.__tablename__
    shredded = get_case(session, case.id)
    assert shredded.reference_ct is None and shredded.shredded_at == now
    assert shredded.stage is Stage.INTAKE and shredded.category == "verbal"
    history = session.scalars(select(StageChange.to_stage).where(StageChange.case_id == case.id))
    assert list(history) == [Stage.INTAKE]
    with pytest.raises(KeyUnavailable, match="crypto-shredded"):
        read_case(session, keys, shredded)
    assert read_case(session, keys, get_case(session, keep.id)).parties[0].name == "Keep Me"


def test_legal_hold_blocks_shredding(session: Session, keys: Keys, now: datetime) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    case.legal_hold = True
    with pytest.raises(TransitionRefused, match="legal hold"):
        shred_case(session, case, now)
    assert session.get(CaseKey, case.id) is not None
