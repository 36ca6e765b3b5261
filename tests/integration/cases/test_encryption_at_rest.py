"""Nothing sensitive is stored in clear: canary strings never reach the database files or dumps."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from casework.cases.models import CaseStep, Party, PartyRole
from casework.cases.services import get_case, log_step, open_cases_matching_email, read_case
from casework.errors import DecryptionFailed
from casework.keys.services import Keys
from tests.factories import make_case, make_entity

CANARIES = {
    "affected_name": "Xylo-Canary-Affected Ñandú",
    "affected_email": "canary.affected.q7@example.org",
    "subject_name": "Qorvath-Canary-Subject 李",
    "allegation": "Canary-Allegation-Zephyrine said something",
    "narrative": "Canary-Narrative-Wolfram interview notes",
}


def _database_bytes(app: Flask, session: Session) -> bytes:
    session.commit()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to check what a PostgreSQL dump reveals"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        [pg_dump, "--data-only", "--inserts", plain], check=True, capture_output=True
    ).stdout


def test_canaries_never_stored_in_clear_but_read_back_intact(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    case = make_case(
        session,
        keys,
        entity,
        now,
        affected_name=CANARIES["affected_name"],
        affected_email=CANARIES["affected_email"],
        subject_name=CANARIES["subject_name"],
        allegation=CANARIES["allegation"],
    )
    log_step(session, keys, case, "interview", CANARIES["narrative"], now, None, now)
    session.commit()

    dump = _database_bytes(app, session)
    assert len(dump) > 1000, "the dump should contain the case rows"
    for label, canary in CANARIES.items():
        for form in (canary.encode(), canary.encode("utf-16-le"), canary.lower().encode()):
            assert form not in dump, f"{label} found in clear in the database"

    session.expire_all()
    view = read_case(session, keys, get_case(session, case.id))
    names = {p.role: p.name for p in view.parties}
    assert names[PartyRole.AFFECTED] == CANARIES["affected_name"]
    assert names[PartyRole.SUBJECT] == CANARIES["subject_name"]
    assert view.parties[0].email == CANARIES["affected_email"]
    assert view.allegations[0].summary == CANARIES["allegation"]
    assert view.steps[0].narrative == CANARIES["narrative"]
    assert view.reference.startswith(f"{entity.reference_prefix}-2026-")


def test_references_are_sequential_per_entity_and_year(
    session: Session, keys: Keys, now: datetime
) -> None:
    first, second = make_entity(session, now), make_entity(session, now)
    refs = [
        read_case(session, keys, make_case(session, keys, first, now)).reference for _ in range(3)
    ]
    other = read_case(session, keys, make_case(session, keys, second, now)).reference
    last_year = make_case(session, keys, first, now, received_days_ago=400)
    assert refs == [f"{first.reference_prefix}-2026-000{n}" for n in (1, 2, 3)]
    assert other == f"{second.reference_prefix}-2026-0001"
    assert read_case(session, keys, last_year).reference == f"{first.reference_prefix}-2025-0001"


@pytest.mark.parametrize("target", ["other_case", "other_field"])
def test_ciphertext_copied_elsewhere_fails_to_decrypt(
    session: Session, keys: Keys, now: datetime, target: str
) -> None:
    entity = make_entity(session, now)
    source = make_case(session, keys, entity, now, affected_name="Source Name")
    victim = make_case(session, keys, entity, now, affected_name="Victim Name")
    stolen = source.parties[0].name_ct
    if target == "other_case":
        row_id = victim.parties[0].id
        session.execute(update(Party).where(Party.id == row_id).values(name_ct=stolen))
    else:
        row_id = source.parties[0].id
        session.execute(update(Party).where(Party.id == row_id).values(email_ct=stolen))
    session.commit()
    session.expire_all()
    case = get_case(session, victim.id if target == "other_case" else source.id)
    with pytest.raises(DecryptionFailed, match="authentication failed") as info:
        read_case(session, keys, case)
    assert "Source Name" not in str(info.value)


def test_duplicate_report_detection_by_blind_index(
    session: Session, keys: Keys, now: datetime
) -> None:
    entity, elsewhere = make_entity(session, now), make_entity(session, now)
    first = make_case(session, keys, entity, now, affected_email="Same.Person@Example.org")
    make_case(session, keys, elsewhere, now, affected_email="same.person@example.org")
    second = make_case(session, keys, entity, now, affected_email="same.person@example.org ")
    assert open_cases_matching_email(
        session, keys, entity.id, "same.person@example.org", second.id
    ) == [first.id]


def test_step_log_keeps_order_and_time(session: Session, keys: Keys, now: datetime) -> None:
    case = make_case(session, keys, make_entity(session, now), now, received_days_ago=3)
    log_step(session, keys, case, "note", "first", now - timedelta(days=2), None, now)
    log_step(session, keys, case, "interview", None, now - timedelta(days=1), None, now)
    kinds = session.scalars(
        select(CaseStep.kind).where(CaseStep.case_id == case.id).order_by(CaseStep.id)
    )
    assert list(kinds) == ["note", "interview"]
