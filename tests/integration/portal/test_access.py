"""Portal access: receipt code and passphrase, sessions, throttling, re-issue (both backends)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.identity.models import Role
from casework.keys.services import Keys
from casework.receipts.credentials import (
    new_passphrase,
    new_receipt_code,
    normalise_code,
    reissue_portal_access,
)
from casework.receipts.models import PortalAccess
from casework.receipts.sessions import ABSOLUTE, IDLE, load_session, sign_in
from casework.receipts.wordlist import WORDS
from tests.factories import make_case, make_entity, make_staff
from tests.integration.portal.conftest import Portal, affected_party, give_access


def test_codes_and_passphrases_are_random_and_typable() -> None:
    code = new_receipt_code()
    assert len(code) == 19 and code.count("-") == 3
    assert normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")
    words = new_passphrase().split()
    assert len(words) == 6 and all(w in WORDS for w in words)
    assert len(WORDS) >= 512 and new_receipt_code() != code


def test_wrong_code_and_wrong_passphrase_answer_identically(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    credentials = give_access(session, keys, case, now)
    portal.get("/portal/")
    wrong_passphrase = portal.post(
        "/portal/signin", {"code": credentials.code, "passphrase": "not the right words"}
    )
    unknown_code = portal.post(
        "/portal/signin", {"code": "AAAA-BBBB-CCCC-DDDD", "passphrase": credentials.passphrase}
    )
    assert wrong_passphrase.status_code == unknown_code.status_code == 401
    assert wrong_passphrase.get_data() == unknown_code.get_data()
    assert "cw_portal=" not in (unknown_code.headers.get("Set-Cookie") or "")


def test_five_failures_throttle_the_code_with_retry_after(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    credentials = give_access(session, keys, case, now)
    portal.get("/portal/")
    for _ in range(5):
        response = portal.post(
            "/portal/signin", {"code": credentials.code, "passphrase": "wrong words"}
        )
        assert response.status_code == 401
    throttled = portal.post("/portal/signin", {"code": credentials.code, "passphrase": "x"})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    # Even the right passphrase waits: the attacker learns nothing by trying it now.
    right = portal.post(
        "/portal/signin", {"code": credentials.code, "passphrase": credentials.passphrase}
    )
    assert right.status_code == 429


def test_failures_from_one_address_throttle_it_across_codes(
    session: Session, keys: Keys, now: datetime
) -> None:
    for number in range(5):
        result = sign_in(session, keys, f"CODE-{number}", "words", "198.51.100.7", now)
        assert result.token is None and not result.throttled
    assert sign_in(session, keys, "OTHER", "words", "198.51.100.7", now).throttled
    assert not sign_in(session, keys, "OTHER", "words", "198.51.100.8", now).throttled
    later = now + timedelta(minutes=16)
    assert not sign_in(session, keys, "OTHER", "words", "198.51.100.7", later).throttled


def test_sessions_end_after_idle_and_absolute_timeouts(
    session: Session, keys: Keys, now: datetime
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    credentials = give_access(session, keys, case, now)
    token = sign_in(session, keys, credentials.code, credentials.passphrase, "x", now).token
    assert token is not None
    assert load_session(session, token, now + IDLE - timedelta(minutes=1)) is not None
    assert load_session(session, token, now + IDLE + IDLE) is None
    token = sign_in(session, keys, credentials.code, credentials.passphrase, "x", now).token
    assert token is not None
    step = now
    while step < now + ABSOLUTE - timedelta(minutes=15):
        step += timedelta(minutes=15)
        assert load_session(session, token, step) is not None
    assert load_session(session, token, now + ABSOLUTE + timedelta(minutes=1)) is None


def test_reissue_revokes_old_credentials_and_sessions(
    session: Session, keys: Keys, now: datetime
) -> None:
    entity = make_entity(session, now)
    officer = make_staff(session, entity, Role.INTAKE_OFFICER, now)
    case = make_case(session, keys, entity, now)
    old = give_access(session, keys, case, now)
    token = sign_in(session, keys, old.code, old.passphrase, "x", now).token
    assert token is not None
    party = affected_party(case)
    new = reissue_portal_access(
        session,
        keys,
        case.id,
        party.id,
        officer.id,
        now,
        identity_check="in_person",
        source="test",
    )
    assert load_session(session, token, now) is None
    assert sign_in(session, keys, old.code, old.passphrase, "y", now).token is None
    assert sign_in(session, keys, new.code, new.passphrase, "y", now).token is not None
    rows = list(session.scalars(select(PortalAccess).where(PortalAccess.case_id == case.id)))
    assert len(rows) == 2 and sum(r.revoked_at is None for r in rows) == 1
    audited = session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case.id))
    assert "portal.reissue.in_person" in list(audited)


def test_posts_without_the_portal_csrf_token_are_refused(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    credentials = give_access(session, keys, case, now)
    refused = portal.post(
        "/portal/signin", {"code": credentials.code, "passphrase": credentials.passphrase}, False
    )
    assert refused.status_code == 400
    assert portal.sign_in(credentials).status_code == 303
    assert portal.post("/portal/case/message", {"message": "hi"}, csrf=False).status_code == 400


def test_session_cookie_is_the_portals_own_and_strict(
    app: Flask, session: Session, keys: Keys, now: datetime, portal: Portal
) -> None:
    case = make_case(session, keys, make_entity(session, now), now)
    credentials = give_access(session, keys, case, now)
    portal.get("/portal/")
    response = portal.post(
        "/portal/signin", {"code": credentials.code, "passphrase": credentials.passphrase}
    )
    cookies = response.headers.getlist("Set-Cookie")
    (own,) = [c for c in cookies if c.startswith("cw_portal=")]
    assert "HttpOnly" in own and "SameSite=Strict" in own and "Path=/portal" in own
    assert not any(c.startswith("session=") for c in cookies)
    portal.get("/portal/case")
    signed_out = portal.post("/portal/signout", {})
    assert signed_out.status_code == 303
    assert portal.get("/portal/case").status_code == 302
