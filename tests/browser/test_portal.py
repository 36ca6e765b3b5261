"""A real browser (no help from the test client): report in Arabic, right to left; follow the
case with the receipt code and passphrase; send a message; leave with the quick exit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from casework.app import create_app
from casework.db import Base
from casework.extensions import db
from casework.identity.passwords import set_cost
from tests.conftest import make_settings
from tests.factories import make_entity
from tests.support.databases import sqlite_url
from tests.support.services import CHROMIUM_ARGS, require_chromium


@dataclass(frozen=True)
class LiveServer:
    """The real app served over HTTP, with one entity to report to."""

    url: str
    entity_name: str


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve the app on a free port against a SQLite file; quick exit goes to a local page."""
    set_cost(time_cost=1, memory_cost=1024)
    app = create_app(make_settings(tmp_path / "instance", sqlite_url(tmp_path)))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        entity = make_entity(db.session, datetime.now(UTC))  # type: ignore[arg-type]
        db.session.commit()
        name = entity.name
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # The real setting accepts https:// only; the local test server speaks plain http.
    settings = app.extensions["casework.settings"]
    app.extensions["casework.settings"] = replace(settings, portal_exit_url=f"{url}/healthz")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url, name)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()
    set_cost()


def test_report_in_arabic_follow_the_case_and_leave_quickly(live_server: LiveServer) -> None:
    chromium = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone screen
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/portal/report?lang=ar")
        assert page.evaluate("document.dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        page.click("button[type=submit] >> nth=-1")  # empty: errors shown, nothing written
        expect(page.locator(".error-summary")).to_be_visible()
        page.select_option("#entity", label=live_server.entity_name)
        page.check("#anonymous")
        page.fill("#narrative", "تعليقات غير مرغوب فيها في المصعد.")
        page.click("button[type=submit] >> nth=-1")
        code = page.locator("#receipt-code").inner_text()
        passphrase = page.locator("#passphrase").inner_text()
        assert len(passphrase.split()) == 6

        page.goto(f"{live_server.url}/portal/?lang=en")
        page.fill("#code", code)
        page.fill("#passphrase", passphrase)
        page.click("form[action$='/signin'] button")
        expect(page.locator("#stage")).to_have_attribute("data-stage", "intake")
        page.fill("#message", "Can someone call me?")
        page.click("form[action$='/case/message'] button")
        expect(page.locator(".notice")).to_be_visible()
        no_wider = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert no_wider

        page.keyboard.press("Escape")
        page.wait_for_url(f"{live_server.url}/healthz")
        page.goto(f"{live_server.url}/portal/case")  # the quick exit also ended the session
        expect(page.locator("#code")).to_be_visible()

        page.goto(f"{live_server.url}/portal/report")
        page.click("#quick-exit")
        page.wait_for_url(f"{live_server.url}/healthz")
        browser.close()
