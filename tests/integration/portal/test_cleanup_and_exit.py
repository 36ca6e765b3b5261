"""Portal housekeeping: expired sessions and old failures are purged; the quick exit is a setting."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.keys.services import Keys
from casework.receipts.models import PortalAccess, PortalFailure, PortalSession
from casework.receipts.sessions import (
    ABSOLUTE,
    FAILURE_WINDOW,
    IDLE,
    end_session,
    load_session,
    purge_portal_records,
    start_session,
)
from tests.factories import make_case, make_entity
from tests.integration.portal.conftest import Portal, give_access

EXIT = "https://weather.example.org/today?city=geneva"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_cleanup_deletes_ended_and_expired_sessions_and_old_failures_only(
    session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    give_access(session, keys, case, now)
    access = session.scalars(select(PortalAccess)).one()
    live = start_session(session, access, now - IDLE + timedelta(minutes=1))
    ended = start_session(session, access, now - timedelta(minutes=1))
    end_session(session, ended, now)
    start_session(session, access, now - IDLE - timedelta(seconds=1))  # idle too long
    old = start_session(session, access, now - ABSOLUTE - timedelta(minutes=1))
    session.get(PortalSession, _hash(old)).last_seen_at = now  # type: ignore[union-attr]
    for age in (FAILURE_WINDOW + timedelta(seconds=1), FAILURE_WINDOW, timedelta(minutes=1)):
        session.add(PortalFailure(key="c:test", at=now - age))
    session.commit()

    report = purge_portal_records(session, now)
    session.commit()
    assert (report.sessions, report.failures) == (3, 2)
    assert [s.id_hash for s in session.scalars(select(PortalSession))] == [_hash(live)]
    remaining = session.scalars(select(PortalFailure.at)).all()
    assert remaining == [now - timedelta(minutes=1)]
    assert load_session(session, live, now) is not None  # the live visit goes on
    assert purge_portal_records(session, now) == type(report)(0, 0)  # a rerun deletes nothing


@pytest.fixture
def exit_setting(app: Flask) -> Iterator[str]:
    """The app's settings with CASEWORK_PORTAL_EXIT_URL set, restored afterwards."""
    settings = app.extensions["casework.settings"]
    app.extensions["casework.settings"] = replace(settings, portal_exit_url=EXIT)
    yield EXIT
    app.extensions["casework.settings"] = settings


def test_portal_pages_and_the_exit_route_use_the_configured_exit_url(
    app: Flask, session: Session, keys: Keys, now: datetime, exit_setting: str, portal: Portal
) -> None:
    escaped = exit_setting.replace("&", "&amp;")
    for path in ("/portal/", "/portal/report?lang=ar"):
        page = portal.get(path).get_data(as_text=True)
        assert f'href="{escaped}"' in page and f'data-exit-url="{escaped}"' in page
        assert "www.un.org" not in page
    case = make_case(session, keys, make_entity(session, now), now)
    assert portal.sign_in(give_access(session, keys, case, now)).status_code == 303
    response = portal.client.post("/portal/exit")
    assert response.status_code == 303 and response.headers["Location"] == exit_setting
    assert portal.get("/portal/case").status_code == 302  # the session ended on the way out
