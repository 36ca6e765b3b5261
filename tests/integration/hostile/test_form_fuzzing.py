"""Every staff and portal form, posted with hostile values: a 4xx or a re-rendered form, never a
5xx; invalid submissions write nothing; nothing is reflected unescaped.

Forms are found, not listed: every POST route of the app is posted to, with the field names
harvested from the pages the signed-in supervisor can open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.db import Base
from casework.keys.services import Keys
from tests.support.access_matrix import build_world, signed_in_client

SCRIPT = "<script>alert('cw-xss')</script>"
# Rows that a refused request legitimately writes: the audit trail, throttling, sessions.
BOOKKEEPING = {
    "audit_entries",
    "audit_chain_head",
    "login_attempts",
    "staff_sessions",
    "portal_sessions",
    "portal_failures",
}


def _post_routes(app: Flask, ids: dict[str, int]) -> Iterator[str]:
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.rule.startswith("/api/"):
            continue
        values = {}
        for argument in rule.arguments:
            values[argument] = ids.get(argument, 1)
        try:
            yield str(rule.build(values, append_unknown=False)[1])  # type: ignore[union-attr]
        except Exception:  # a converter this fuzzer cannot fill: skip that route
            continue


def _field_names(client: FlaskClient, pages: list[str]) -> set[str]:
    names: set[str] = set()
    for page in pages:
        body = client.get(page).get_data(as_text=True)
        names.update(re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', body))
    names.discard("csrf_token")
    return names


def _row_counts(session: Session) -> dict[str, int]:
    session.rollback()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
        if table.name not in BOOKKEEPING
    }


@pytest.fixture
def fuzz_setup(app: Flask, session: Session, keys: Keys, now: datetime):  # type: ignore[no-untyped-def]
    world = build_world(session, keys, now)
    client, csrf = signed_in_client(app, session, world.supervisor)
    ids = {
        "case_id": world.case.id,
        "release_id": 1,
        "user_id": world.assigned.id,
        "party_id": world.case.parties[0].id,
        "evidence_id": 1,
        "disclosure_id": 1,
        "entity_id": world.entity.id,
        "token_id": 1,
        "session_id": 1,
    }
    pages = ["/", "/cases/", f"/cases/{world.case.id}", "/cases/new", "/admin/", "/portal/report"]
    return client, csrf, ids, _field_names(client, pages)


@pytest.mark.parametrize(
    "payload_kind", ["missing", "oversized", "malformed", "wrong_encoding", "script"]
)
def test_hostile_form_posts_never_500_and_invalid_ones_write_nothing(
    app: Flask,
    session: Session,
    fuzz_setup,
    payload_kind: str,  # type: ignore[no-untyped-def]
) -> None:
    client, csrf, ids, fields = fuzz_setup
    routes = sorted(set(_post_routes(app, ids)))
    assert len(routes) >= 5, routes
    failures: list[str] = []
    for url in routes:
        before = _row_counts(session)
        if payload_kind == "wrong_encoding":
            body = (
                b"csrf_token="
                + csrf.encode()
                + b"&"
                + b"&".join(f.encode() + b"=%FF%FE%C0%AF\xff" for f in sorted(fields))
            )
            response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        else:
            value = {
                "missing": None,
                "oversized": "A" * 200_000,
                "malformed": "\x00\u202e1;DROP--",
                "script": SCRIPT,
            }[payload_kind]
            form = {"csrf_token": csrf}
            if value is not None:
                form.update({name: value for name in fields})
            response = client.post(url, data=form)
        status = response.status_code
        text = response.get_data(as_text=True)
        if status >= 500:
            failures.append(f"{url}: {status}")
            continue
        if SCRIPT in text:
            failures.append(f"{url}: script reflected unescaped")
        if payload_kind != "script" and status >= 400:
            after = _row_counts(session)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            if changed:
                failures.append(f"{url}: refused ({status}) but wrote {changed}")
    assert failures == []
