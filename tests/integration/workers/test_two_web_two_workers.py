"""Two web processes, two workers and one beat on one PostgreSQL and one Redis: each notice once.

The processes are started with the production commands of docs/operations.md (gunicorn with
casework.gunicorn_conf, prefork Celery workers, beat) in the production profile. Staff sign in
and register reports through the real intake form on both web servers, log steps through the
other server with the same session, and the SMTP server must then hold every e-mail the outbox
owes, each exactly once, counted by Message-ID.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select

from casework.boundary import app_keys, session
from casework.identity.models import Role
from casework.identity.signin import set_totp_secret, totp_box
from casework.notifications.delivery import message_id
from casework.notifications.models import DeadlineAlert, Outbox, OutboxKind, OutboxStatus
from tests.factories import make_entity, make_user
from tests.integration.workers.stack import WorkerStack, client, wait_for
from tests.support.mail import SmtpSink

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "two-web-Secret-1"
CASES_PER_WEB = 3
DOMAIN = "casework.test"  # the host of CASEWORK_BASE_URL in the stack's environment
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OPEN = (OutboxStatus.PENDING, OutboxStatus.QUEUED, OutboxStatus.SENDING)
SCANNED = re.compile(r"deadlines\.scan\[[^\]]+\] succeeded")


class Officer:
    """An intake officer's browser: one cookie jar, usable against either web server."""

    def __init__(self, username: str, secret: str) -> None:
        self.username, self.secret = username, secret
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, url: str, form: dict[str, str] | None = None) -> tuple[str, str]:
        """GET or POST (following redirects); return the final URL and the page."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with self.opener.open(url, data=data, timeout=30) as response:
            assert response.status == 200, (url, response.status)
            return response.geturl(), response.read().decode()

    def csrf(self, url: str) -> str:
        """The CSRF token of a page's forms."""
        match = CSRF.search(self.open(url)[1])
        assert match is not None, f"no CSRF token on {url}"
        return match.group(1)

    def sign_in(self, base: str) -> None:
        """Password, then the current TOTP code."""
        form = {"username": self.username, "password": PASSWORD}
        url, _ = self.open(f"{base}/sign-in", {**form, "csrf_token": self.csrf(f"{base}/sign-in")})
        assert "/sign-in/code" in url, url
        code = pyotp.TOTP(self.secret).now()
        self.open(f"{base}/sign-in/code", {"code": code, "csrf_token": self.csrf(url)})

    def register(self, base: str, number: int) -> int:
        """Register a report received 40 days ago through the intake form; return the case id."""
        received = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
        form = {
            "csrf_token": self.csrf(f"{base}/cases/new"),
            "category": "verbal",
            "intake_channel": "email",
            "priority": "normal",
            "received_at": received,
            "affected_name": f"Affected {number}",
            "affected_email": f"affected{number}@example.org",
            "subject_name": f"Subject {number}",
            "allegation_1": "Repeated unwelcome remarks in meetings.",
        }
        url, _ = self.open(f"{base}/cases/new", form)
        match = re.search(r"/cases/(\d+)$", url)
        assert match is not None, url
        return int(match.group(1))

    def log_message(self, base: str, case_id: int) -> None:
        """Log a message from the affected person: it alerts the case owner."""
        form = {
            "csrf_token": self.csrf(f"{base}/cases/{case_id}"),
            "kind": "message_from_affected",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "narrative": "Asked for an update by phone.",
        }
        self.open(f"{base}/cases/{case_id}/steps", form)


def _officers(app: Flask) -> list[Officer]:
    """An entity with two intake officers (password and TOTP), a supervisor and a head."""
    now = datetime.now(UTC)
    s = session()
    entity = make_entity(s, now)
    officers = []
    for _ in range(2):
        user = make_user(s, entity, Role.INTAKE_OFFICER, now, password=PASSWORD)
        secret = pyotp.random_base32()
        set_totp_secret(user, totp_box(app_keys(app)), secret)
        officers.append(Officer(user.username, secret))
    make_user(s, entity, Role.SUPERVISOR, now)
    make_user(s, entity, Role.HEAD_OF_ENTITY, now)
    s.commit()
    return officers


def _outbox() -> list[Outbox]:
    session().expire_all()
    rows = list(session().scalars(select(Outbox).order_by(Outbox.id)))
    session().rollback()
    return rows


def _emailed(rows: list[Outbox]) -> set[str]:
    """Message-IDs the outbox owes by e-mail: every row sent on the e-mail channel."""
    return {
        message_id(row.id, DOMAIN)
        for row in rows
        if row.status is OutboxStatus.SENT and row.channel == "email"
    }


def _deadline_alerts() -> int:
    """Alerts raised by the deadline scan (not by the logged messages)."""
    count = session().scalar(
        select(func.count())
        .select_from(DeadlineAlert)
        .where(DeadlineAlert.deadline_key.not_like("message:%"))
    )
    session().rollback()
    return int(count or 0)


def _settled(stack: WorkerStack, sink: SmtpSink) -> bool:
    """Beat's deadline scan has run, nothing is left to send, and the server holds what is owed."""
    if not SCANNED.search(stack.log_text()):
        return False
    rows = _outbox()
    return not any(row.status in OPEN for row in rows) and set(sink.ids()) == _emailed(rows)


def test_two_web_processes_and_two_workers_deliver_every_notification_once(
    worker_app: Flask, stack: WorkerStack, sink: SmtpSink
) -> None:
    stack.profile = "production"
    officers = _officers(worker_app)
    bases = [f"http://127.0.0.1:{stack.start_web()}" for _ in range(2)]
    # The workers boot while staff work; nothing is relayed before beat starts.
    booting = ThreadPoolExecutor(max_workers=1)
    workers = booting.submit(lambda: [stack.start_worker(concurrency=2) for _ in range(2)])
    case_ids = []
    for index, (officer, base) in enumerate(zip(officers, bases, strict=True)):
        officer.sign_in(base)
        other = bases[1 - index]
        for number in range(CASES_PER_WEB):
            case_id = officer.register(base, index * CASES_PER_WEB + number)
            # The session lives in the database, so the other web process honours it.
            officer.log_message(other, case_id)
            case_ids.append(case_id)
    assert len(set(case_ids)) == 2 * CASES_PER_WEB

    assert len(workers.result(timeout=120)) == 2
    booting.shutdown()
    beat = stack.start_beat()  # relays every 5 s; its deadline scan would come after 60 s
    client().send_task("deadlines.scan")
    wait_for(lambda: _settled(stack, sink), 60, "every owed e-mail at the SMTP server")
    stack.kill(beat)  # no new scans from here on; settle with two more relays
    client().send_task("outbox.relay")
    client().send_task("outbox.relay")
    time.sleep(3)

    rows = _outbox()
    owed = _emailed(rows)
    received = sink.ids()
    assert not [row.id for row in rows if row.status in OPEN or row.status is OutboxStatus.FAILED]
    assert {row.status for row in rows if row.kind is OutboxKind.ALERT} == {OutboxStatus.SENT}
    # One alert per logged message, and the alerts beat's deadline scan raised.
    assert _deadline_alerts() > 0
    assert len(owed) > len(case_ids), owed
    assert set(received) == owed
    assert received == Counter(dict.fromkeys(owed, 1)), received.most_common(3)
    worker_logs = [log.read_text() for log in stack.logs if log.name.startswith("worker-")]
    assert len(worker_logs) == 2
    assert all(" sent kind=" in text for text in worker_logs), "a worker delivered nothing"
