"""The case team re-issues portal access from the command line; the old code stops working."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy.orm import Session

from casework.boundary import app_settings
from casework.identity.models import Role
from casework.keys.services import Keys
from casework.portal.access import reissue_portal_access
from tests.factories import make_case, make_entity, make_user
from tests.support.cli import cli_env, run_cli


def test_reissue_prints_new_credentials_once_and_revokes_the_old(
    app: Flask, session: Session, keys: Keys
) -> None:
    now = datetime.now(UTC)
    entity = make_entity(session, now)
    case = make_case(session, keys, entity, now)
    officer = make_user(session, entity, Role.INTAKE_OFFICER, now)
    old_code, old_passphrase = reissue_portal_access(
        session, keys, case.id, case.parties[0].id, officer.id, now
    )
    session.commit()

    result = run_cli(
        ["portal", "reissue", str(case.id), "--by", officer.username], cli_env(app_settings(app))
    )
    assert result.returncode == 0, result.stderr
    code = re.search(r"receipt code: (\S.*)", result.stdout)
    passphrase = re.search(r"passphrase:\s+(\S.*)", result.stdout)
    assert code and passphrase
    assert code.group(1).strip() != old_code and passphrase.group(1).strip() != old_passphrase

    unknown = run_cli(
        ["portal", "reissue", "999999", "--by", officer.username], cli_env(app_settings(app))
    )
    assert unknown.returncode == 1 and "no affected person" in unknown.stderr
