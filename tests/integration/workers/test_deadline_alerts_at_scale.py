"""10,000 open cases, the clock moved forward, two concurrent scans: every alert sent once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from casework.boundary import session
from casework.cases.models import Case, Deadline, Priority, Stage
from casework.identity.models import Role
from casework.notifications.delivery import deliver_outbox
from casework.notifications.models import DeadlineAlert, Outbox, OutboxKind
from casework.notifications.outbox import RelayPolicy, relay_due
from casework.notifications.scans import scan_deadline_alerts
from tests.factories import make_entity, make_staff
from tests.integration.notifications.helpers import delivery_for
from tests.support.mail import SmtpSink, smtp_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CASES = 10_000


def _seed(app: Flask, now: datetime) -> tuple[int, int]:
    """Bulk-insert plaintext case and deadline rows; return (amber due, red due)."""
    s = session()
    entity = make_entity(s, now)
    make_staff(s, entity, Role.SUPERVISOR, now)
    make_staff(s, entity, Role.HEAD_OF_ENTITY, now)
    s.commit()
    opened = now - timedelta(days=100)
    s.execute(
        insert(Case),
        [
            {
                "entity_id": entity.id,
                "stage": Stage.INVESTIGATION,
                "category": "verbal",
                "priority": Priority.NORMAL,
                "intake_channel": "email",
                "anonymous": False,
                "guidance_version": "2026.1",
                "opened_at": opened,
                "legal_hold": False,
            }
            for _ in range(CASES)
        ],
    )
    case_ids = s.scalars(select(Case.id).order_by(Case.id)).all()
    rows, amber, red = [], 0, 0
    for n, case_id in enumerate(case_ids):
        if n % 50 == 0:  # amber and red crossed
            amber_at, red_at = now - timedelta(days=5), now - timedelta(hours=1)
            amber, red = amber + 1, red + 1
        elif n % 50 == 1:  # amber crossed only
            amber_at, red_at = now - timedelta(days=1), now + timedelta(days=10)
            amber += 1
        else:
            amber_at, red_at = now + timedelta(days=5), now + timedelta(days=20)
        rows.append(
            {
                "case_id": case_id,
                "key": "investigation",
                "starts_at": opened,
                "due_at": red_at,
                "amber_at": amber_at,
                "red_at": red_at,
                "ceiling_at": red_at + timedelta(days=90),
                "met_at": None,
                "next_alert_at": amber_at,
            }
        )
    s.execute(insert(Deadline), rows)
    s.commit()
    return amber, red


def test_every_alert_due_is_sent_once_even_with_two_beats(migrated_app: Flask) -> None:
    if migrated_app.extensions["casework.settings"].is_sqlite:
        pytest.skip("the concurrent-beat check runs on PostgreSQL (SKIP LOCKED)")
    started = time.monotonic()
    later = datetime.now(UTC) + timedelta(days=1)  # the clock moved forward
    with migrated_app.app_context():
        try:
            _run(migrated_app, later, started)
        finally:
            session().remove()  # type: ignore[attr-defined]
            from tests.conftest import _empty_tables

            _empty_tables(session())
            session().remove()  # type: ignore[attr-defined]


def _run(app: Flask, now: datetime, started: float) -> None:
    amber, red = _seed(app, now - timedelta(days=1))
    raised: list[int] = []
    barrier = threading.Barrier(2)

    def beat() -> None:
        with app.app_context():
            barrier.wait()
            raised.append(scan_deadline_alerts(session(), now))
            session().commit()
            session().remove()  # type: ignore[attr-defined]

    beats = [threading.Thread(target=beat) for _ in range(2)]
    for thread in beats:
        thread.start()
    for thread in beats:
        thread.join()
    assert sum(raised) == amber + red
    s = session()
    counts = dict(
        s.execute(
            select(DeadlineAlert.threshold, func.count()).group_by(DeadlineAlert.threshold)
        ).all()
    )
    assert counts == {"amber": amber, "red": red}
    assert scan_deadline_alerts(s, now) == 0  # a rerun raises nothing
    s.commit()

    sink = SmtpSink()
    with smtp_server(sink) as port:
        ids = relay_due(s, now, RelayPolicy(batch_size=10 * CASES))
        s.commit()
        assert len(ids) == amber + red
        chunks = [ids[i::2] for i in range(2)]

        def deliver(chunk: list[int]) -> None:
            with app.app_context():
                delivery = delivery_for(app, smtp_port=port)
                for outbox_id in chunk:
                    deliver_outbox(session(), delivery, outbox_id, now, session().commit)
                    session().commit()
                session().remove()  # type: ignore[attr-defined]

        # Each chunk is delivered by two threads at once: every message is attempted twice.
        workers = [threading.Thread(target=deliver, args=(c,)) for c in chunks + chunks[::-1]]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
    received = sink.ids()
    assert len(received) == amber + red
    assert set(received.values()) == {1}
    sent = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == OutboxKind.ALERT))
    assert sent == amber + red
    assert time.monotonic() - started < 60
