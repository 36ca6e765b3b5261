"""The case team re-issues portal access from the command line; the old code stops working."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.boundary import app_settings
from casework.identity.models import Role
from casework.keys.services import Keys
from casework.receipts.credentials import receipt_index, reissue_portal_access
from casework.receipts.models import PortalAccess
from tests.factories import make_case, make_entity, make_user
from tests.support.cli import cli_env, run_cli


def test_reissue_prints_new_credentials_once_and_revokes_the_old(
    app: Flask, session: Session, keys: Keys
) -> None:
    now = datetime.now(UTC)
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now)
    officer = make_user(session, entity, Role.INTAKE_OFFICER, now)
    old = reissue_portal_access(
        session,
        keys,
        case.id,
        case.parties[0].id,
        officer.id,
        now,
        identity_check="video_call",
        source="test",
    )
    session.commit()

    env = cli_env(app_settings(app))
    unchecked = run_cli(["portal", "reissue", str(case.id), "--by", officer.username], env)
    assert unchecked.returncode == 2 and "--checked" in unchecked.stderr
    result = run_cli(
        ["portal", "reissue", str(case.id), "--by", officer.username, "--checked", "in_person"],
        env,
    )
    assert result.returncode == 0, result.stderr
    code = re.search(r"receipt code: (\S.*)", result.stdout)
    passphrase = re.search(r"passphrase:\s+(\S.*)", result.stdout)
    assert code and passphrase
    assert code.group(1).strip() != old.code and passphrase.group(1).strip() != old.passphrase
    session.rollback()
    live = session.scalars(
        select(PortalAccess).where(
            PortalAccess.case_id == case.id, PortalAccess.revoked_at.is_(None)
        )
    ).all()
    assert len(live) == 1 and live[0].receipt_index == receipt_index(keys, code.group(1).strip())
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case.id))
    assert "portal.reissue.in_person" in list(actions)

    unknown = run_cli(
        ["portal", "reissue", "999999", "--by", officer.username, "--checked", "in_person"], env
    )
    assert unknown.returncode == 1 and "no affected person" in unknown.stderr
