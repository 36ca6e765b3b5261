"""`casework tokens` and `casework releases`: the token is printed once and works once issued."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.commands.oversight import releases_group, tokens_group
from casework.oversight.models import OversightToken
from casework.oversight.services import authenticate_token, hash_token
from casework.statistics.models import Release
from tests.factories import make_entity
from tests.integration.statistics.synthetic import NOW


def test_create_list_and_revoke_a_token(app: Flask, session: Session) -> None:
    make_entity(session, NOW, "UNX")
    session.commit()
    runner = app.test_cli_runner()
    created = runner.invoke(
        tokens_group, ["create", "Board", "--scope", "system", "--scope", "UNX", "--days", "30"]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    session.expire_all()
    record = session.scalars(select(OversightToken)).one()
    assert record.token_hash == hash_token(secret) and secret not in record.token_hash
    assert record.scope_list == ("system", "UNX")
    assert authenticate_token(session, secret, record.created_at) is not None
    listed = runner.invoke(tokens_group, ["list"])
    assert "Board" in listed.output and "active" in listed.output and secret not in listed.output
    revoked = runner.invoke(tokens_group, ["revoke", str(record.id)])
    assert revoked.exit_code == 0
    session.expire_all()
    assert authenticate_token(session, secret, record.created_at) is None


def test_unknown_scope_is_refused(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(tokens_group, ["create", "Board", "--scope", "NOPE"])
    assert result.exit_code != 0
    assert session.scalars(select(OversightToken)).first() is None


def test_build_releases_for_a_year(app: Flask, session: Session) -> None:
    make_entity(session, NOW, "UNX")
    session.commit()
    result = app.test_cli_runner().invoke(releases_group, ["build", "--year", "2025"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert sorted(session.scalars(select(Release.scope))) == ["UNX", "system"]
