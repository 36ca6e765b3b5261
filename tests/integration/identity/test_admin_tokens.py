"""Administrators issue (shown once), list and revoke oversight tokens; others get 404."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.identity.models import Role
from casework.keys.services import Keys
from casework.oversight.models import OversightToken
from casework.oversight.services import hash_token
from tests.factories import make_entity, make_user
from tests.support.access_matrix import signed_in_client


def test_admin_issues_a_token_once_and_revokes_it(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    admin = make_user(session, None, Role.ADMINISTRATOR, now)
    session.commit()
    client, csrf = signed_in_client(app, session, admin)

    created = client.post(
        "/admin/tokens", data={"csrf_token": csrf, "name": "Board of Auditors",
                               "scopes": f"system {entity.code}", "days": "90"}
    )  # fmt: skip
    assert created.status_code == 200
    secret = re.search(r"<code>([A-Za-z0-9_\-]{20,})</code>", created.get_data(as_text=True))
    assert secret is not None
    session.rollback()
    token = session.scalar(select(OversightToken))
    assert token is not None and token.token_hash == hash_token(secret.group(1))
    assert token.scopes == f"system {entity.code}"
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "Board of Auditors" in listing and secret.group(1) not in listing

    revoked = client.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code in (302, 303)
    session.rollback()
    assert session.get(OversightToken, token.id).revoked_at is not None  # type: ignore[union-attr]
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"admin.token_create", "admin.token_revoke"} <= actions


def test_bad_token_requests_write_nothing_and_others_get_404(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    admin = make_user(session, None, Role.ADMINISTRATOR, now)
    supervisor = make_user(session, entity, Role.SUPERVISOR, now)
    session.commit()
    client, csrf = signed_in_client(app, session, admin)
    bad = client.post(
        "/admin/tokens", data={"csrf_token": csrf, "name": "", "scopes": "NOPE", "days": "x"}
    )
    assert bad.status_code == 400
    assert "give a name" in bad.get_data(as_text=True)
    outsider, outsider_csrf = signed_in_client(app, session, supervisor)
    assert outsider.get("/admin/tokens").status_code == 404
    assert (
        outsider.post(
            "/admin/tokens",
            data={"csrf_token": outsider_csrf, "name": "x", "scopes": "system", "days": "1"},
        ).status_code
        == 404
    )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OversightToken)) == 0
