"""With a real worker, real Redis and a real SMTP server: exactly once, counted at the server."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from casework.boundary import app_keys, session
from casework.cases.models import Case
from casework.notifications.models import (
    Disclosure,
    DisclosureStatus,
    Outbox,
    OutboxKind,
    OutboxStatus,
)
from casework.notifications.rules import set_contact_preference
from tests.factories import make_case, make_entity
from tests.integration.notifications.helpers import affected, fire
from tests.integration.workers.stack import (
    WorkerStack,
    client,
    ensure_redis,
    redis_monitor,
    restart_redis,
    wait_for,
)
from tests.support.mail import SmtpSink

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

CANARIES = ("Zanzibar-Canary", "canary.person@example.org", "Quokka-Subject", "Canary allegation")


def _new_case(app: Flask, consent: bool | None, number: int = 0) -> Case:
    now = datetime.now(UTC)
    s = session()
    entity = make_entity(s, now)
    case = make_case(
        s,
        app_keys(app),
        entity,
        now,
        affected_name=f"{CANARIES[0]} {number}",
        affected_email=CANARIES[1],
        subject_name=CANARIES[2],
        allegation=f"{CANARIES[3]} {number}",
    )
    if consent is not None:
        set_contact_preference(s, affected(case).id, now, consent=True)
        if not consent:
            set_contact_preference(s, affected(case).id, now, consent=False)
    fire(s, case, "received", now)
    fire(s, case, "acknowledged", now)
    s.commit()
    return case


def _beat(*tasks: str, times: int = 1) -> None:
    celery = client()
    for _ in range(times):
        for name in tasks:
            celery.send_task(name)


def _settle(sink: SmtpSink, seconds: float = 2.0) -> None:
    """Run the relay a few more times and wait: nothing more may arrive."""
    before = sum(sink.ids().values())
    _beat("outbox.relay", times=2)
    time.sleep(seconds)
    assert sum(sink.ids().values()) == before


def _milestones(case_id: int, milestone: str) -> list[Disclosure]:
    session().expire_all()
    return list(
        session().scalars(
            select(Disclosure).where(
                Disclosure.case_id == case_id, Disclosure.milestone == milestone
            )
        )
    )


def test_m1_once_m4_once_after_30_days_and_withdrawn_consent_withheld(
    worker_app: Flask, stack: WorkerStack, sink: SmtpSink
) -> None:
    with redis_monitor() as redis_commands:
        consenting = _new_case(worker_app, consent=True)
        withdrawn = _new_case(worker_app, consent=False, number=1)
        stack.start_worker()
        _beat("outbox.relay", "milestones.scan")
        wait_for(lambda: sum(sink.ids().values()) >= 1, 90, "M1 at the SMTP server")
        _settle(sink)
        assert len(sink.ids()) == 1 and set(sink.ids().values()) == {1}
        assert [d.status for d in _milestones(consenting.id, "M1")] == [DisclosureStatus.SENT]
        assert [d.status for d in _milestones(withdrawn.id, "M1")] == [DisclosureStatus.WITHHELD]
        assert _milestones(consenting.id, "M4") == []

        # The clock moves 31 days; nothing else changes.
        stack.stop_all()
        stack.start_worker(clock_offset_days=31)
        _beat("milestones.scan", "milestones.scan", "outbox.relay")
        wait_for(lambda: sum(sink.ids().values()) >= 2, 90, "M4 at the SMTP server")
        _beat("milestones.scan")
        _settle(sink)
    assert sum(sink.ids().values()) == 2 and set(sink.ids().values()) == {1}
    assert [d.status for d in _milestones(consenting.id, "M4")] == [DisclosureStatus.SENT]
    assert [d.status for d in _milestones(withdrawn.id, "M4")] == [DisclosureStatus.WITHHELD]
    assert redis_commands, "MONITOR saw nothing"
    traffic = "\n".join(redis_commands)
    logs = stack.log_text()
    bodies = "\n".join(sink.bodies())
    assert "sign in to read it" in bodies.lower()
    for canary in CANARIES:
        assert canary not in traffic
        assert canary not in logs
        assert canary not in bodies
    for word in ("verbal", "intake", "E0", "Acknowledgement"):
        assert word not in bodies


def test_worker_killed_while_sending_and_redis_restarted_deliver_each_once(
    worker_app: Flask, stack: WorkerStack, sink: SmtpSink
) -> None:
    sink.stall_first, sink.stall_seconds = 1, 20
    cases = [_new_case(worker_app, consent=True, number=n) for n in range(4)]
    try:
        worker = stack.start_worker()
        _beat("outbox.relay")
        assert sink.stalled.wait(30), "the first delivery never reached the SMTP server"
        stack.kill(worker)  # SIGKILL in the middle of the SMTP conversation
        restart_redis()  # and every queued message is lost with it
        stack.start_worker()
        deadline = time.monotonic() + 60
        while sum(sink.ids().values()) < len(cases) and time.monotonic() < deadline:
            _beat("outbox.relay")
            time.sleep(1.5)
        _settle(sink, seconds=5)  # past the stale-claim and requeue timeouts
    finally:
        ensure_redis()
    counts = sink.ids()
    assert len(counts) == len(cases), counts
    assert set(counts.values()) == {1}, counts
    session().expire_all()
    rows = session().scalars(select(Outbox).order_by(Outbox.id)).all()
    assert {r.status.value for r in rows if r.kind.value == "notice"} == {"sent"}
    assert max(r.attempts for r in rows) == 2  # the killed claim went stale and was retried


def test_rows_travel_many_to_a_message_and_a_repeated_message_sends_nothing_again(
    worker_app: Flask, stack: WorkerStack, sink: SmtpSink
) -> None:
    cases = [_new_case(worker_app, consent=True, number=n) for n in range(3)]
    stack.start_worker()
    with redis_monitor() as redis_commands:
        _beat("outbox.relay")
        wait_for(lambda: len(sink.ids()) >= len(cases), 90, "an M1 per case at the SMTP server")
    published = [c for c in redis_commands if "outbox.deliver_batch" in c]
    assert published, "the relay published no deliver_batch message"
    session().expire_all()
    rows = session().scalars(select(Outbox).where(Outbox.kind == OutboxKind.NOTICE)).all()
    ids = [row.id for row in rows]
    assert len(ids) == len(cases)

    # The same ids again, twice in one message (a requeued or redelivered message).
    client().send_task("outbox.deliver_batch", args=[ids + ids[::-1]])
    _settle(sink, seconds=3)

    assert len(sink.ids()) == len(cases) and set(sink.ids().values()) == {1}
    session().expire_all()
    again = session().scalars(select(Outbox).where(Outbox.id.in_(ids))).all()
    assert {(row.status, row.attempts) for row in again} == {(OutboxStatus.SENT, 1)}
