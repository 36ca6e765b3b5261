"""`casework users create/disable` and `casework sessions end` work and are audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.commands.identity import sessions_group, users_group
from casework.crypto import SecretBox
from casework.errors import DecryptionFailed
from casework.identity.models import StaffSession
from casework.identity.signin import start_session, user_by_name
from tests.factories import make_entity


def test_users_create_prints_a_one_time_password_and_totp_uri_then_disable_ends_sessions(
    app: Flask, session: Session, now: datetime
) -> None:
    entity = make_entity(session, now, code="UNQ")
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        users_group, ["create", "new.investigator", "--entity", "UNQ", "--role", "investigator"]
    )
    assert result.exit_code == 0, result.output
    assert "one-time password: " in result.output
    assert "otpauth://totp/Casework:new.investigator?secret=" in result.output
    session.rollback()
    user = user_by_name(session, "new.investigator")
    assert [(g.role.value, g.entity_id) for g in user.grants] == [("investigator", entity.id)]
    start_session(session, user, "127.0.0.1", datetime.now(UTC), second_factor_given=True)
    session.commit()
    assert runner.invoke(sessions_group, ["end", "new.investigator"]).exit_code == 0
    assert runner.invoke(users_group, ["disable", "new.investigator"]).exit_code == 0
    session.rollback()
    assert not user_by_name(session, "new.investigator").is_active
    assert all(s.ended_at is not None for s in session.scalars(select(StaffSession)))


def test_secret_box_binds_a_secret_to_its_record() -> None:
    box = SecretBox(b"k" * 32, "staff_users.totp_secret")
    blob = box.encrypt("JBSWY3DPEHPK3PXP", "staff_users|1|totp_secret")
    assert box.decrypt(blob, "staff_users|1|totp_secret") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(DecryptionFailed):
        box.decrypt(blob, "staff_users|2|totp_secret")
    with pytest.raises(DecryptionFailed):
        SecretBox(b"k" * 32, "other").decrypt(blob, "staff_users|1|totp_secret")
