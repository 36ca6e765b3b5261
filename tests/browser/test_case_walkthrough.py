"""A real browser walks a case from intake to closure, through every stage, without JavaScript
help: sign-in with TOTP, intake, steps on the timeline, deadlines changing status."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from casework.app import create_app
from casework.boundary import app_keys
from casework.db import Base
from casework.extensions import db
from casework.identity.models import Role, RoleGrant
from casework.identity.signin import new_totp_secret, set_totp_secret, totp_box
from tests.conftest import make_settings
from tests.factories import make_entity, make_staff
from tests.support.databases import sqlite_url
from tests.support.services import CHROMIUM_ARGS, require_chromium

PASSWORD = "pw-Secret-1"


@dataclass(frozen=True)
class LiveServer:
    """The real app served over HTTP, and the user who signs in."""

    url: str
    username: str
    totp_secret: str


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve the app on a free port against a SQLite file, with one supervisor enrolled in TOTP."""
    app = create_app(make_settings(tmp_path / "instance", sqlite_url(tmp_path)))
    now = datetime.now(UTC)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        entity = make_entity(db.session, now)
        user = make_staff(db.session, entity, Role.SUPERVISOR, now, password=PASSWORD)
        db.session.add(RoleGrant(user_id=user.id, entity_id=entity.id, role=Role.DECISION_MAKER))
        secret = new_totp_secret()
        set_totp_secret(user, totp_box(app_keys(app)), secret)
        db.session.commit()
        username = user.username
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", username, secret)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")


def _log_step(page: Page, kind: str, note: str) -> None:
    page.select_option("#kind", kind)
    page.fill("#occurred_at", _stamp())
    page.fill("#narrative", note)
    page.get_by_role("button", name="Log the step").click()
    expect(page.locator("#timeline")).to_contain_text(note)


def _move(page: Page, stage: str, outcome: str | None = None) -> None:
    page.select_option("#target", stage)
    if outcome:
        page.select_option("#outcome", outcome)
    page.get_by_role("button", name="Move the case").click()
    expect(page.locator("#current-stage")).to_have_text(stage.capitalize())


def test_a_case_walks_from_intake_to_closure(live_server: LiveServer) -> None:
    chromium = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/cases/")
        page.fill("#username", live_server.username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.fill("#code", pyotp.TOTP(live_server.totp_secret).now())
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("My cases")

        page.click("text=Register a new report")
        page.get_by_role(
            "button", name="Register the report"
        ).click()  # empty: every error shown, nothing written
        expect(page.locator(".error-summary")).to_contain_text("4 problems")
        expect(page.locator("#allegation_1")).to_have_attribute(
            "aria-describedby", "allegation_1-hint allegation_1-error"
        )
        page.select_option("#category", "verbal")
        page.select_option("#intake_channel", "hotline")
        page.fill("#received_at", _stamp())
        page.fill("#affected_name", "Browser Affected")
        page.fill("#subject_name", "Browser Subject")
        page.fill("#allegation_1", "Unwelcome remarks in the lift.")
        page.get_by_role("button", name="Register the report").click()
        expect(page.locator("#current-stage")).to_have_text("Intake")
        ack = page.locator('tr[data-key="acknowledge_receipt"]')
        expect(ack).to_contain_text("On track")

        _log_step(page, "acknowledgement", "Receipt acknowledged by phone.")
        expect(ack).to_contain_text("Met")
        _move(page, "assessment")
        expect(page.locator('tr[data-key="preliminary_assessment"]')).to_contain_text("On track")
        _move(page, "investigation")
        investigation = page.locator('tr[data-key="investigation"]')
        expect(investigation).to_contain_text("On track")
        _log_step(page, "interview", "Interviewed the affected person.")
        _log_step(page, "final_report", "Final report filed.")
        expect(investigation).to_contain_text("Met")
        _move(page, "referral")
        page.select_option("select[name^=finding_]", "sufficient")
        page.get_by_role("button", name="Record findings").click()
        _move(page, "disciplinary")
        _log_step(page, "memorandum", "Memorandum issued.")
        _log_step(page, "subject_response", "Response received.")
        page.check("#measure-written_censure")
        page.fill("#decided_at", _stamp())
        page.get_by_role("button", name="Record the decision").click()
        expect(page.locator("#decision-title + p")).to_contain_text("written censure")
        page.fill("#subject_notified_at", _stamp())
        page.get_by_role("button", name="Record the notification").click()
        expect(page.locator("#decision-title + p")).to_contain_text("Notified to the subject")
        undt = page.locator('#appeal-windows tr[data-key="undt"]')
        expect(undt).to_contain_text("Open: the last day to file is in 90 days")
        _move(page, "closed", "substantiated")
        expect(page.locator(".case-meta")).to_contain_text("substantiated")
        expect(page.locator(".stage-history li")).to_have_count(6)
        expect(page.locator("#timeline li")).to_have_count(5)
        expect(page.locator('tr[data-key="end_to_end"]')).to_contain_text("Met")

        page.goto(f"{live_server.url}/cases/?stage=closed")
        expect(page.locator("table.cases tbody tr")).to_have_count(1)
        browser.close()
