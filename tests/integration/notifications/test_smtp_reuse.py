"""One SMTP connection per process: reused between messages, replaced when the server drops it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.boundary import engine
from casework.identity.models import Role
from casework.notifications.channels import ChannelError, Envelope, ReusedSmtpMailer
from casework.notifications.delivery import (
    Delivery,
    deliver_claiming_on,
    deliver_outbox,
    message_id,
)
from casework.notifications.models import Outbox, OutboxKind, OutboxStatus
from casework.notifications.outbox import RelayPolicy, add_outbox, relay_due
from casework.notifications.rendering import render_alert
from tests.factories import make_entity, make_user
from tests.integration.notifications.helpers import delivery_for
from tests.support.mail import SmtpSink, free_port


class PeerSink(SmtpSink):
    """Also records which connection (client address) carried each message."""

    def __init__(self, refuse_data: int = 0) -> None:
        super().__init__()
        self.peers: list[object] = []
        self.refuse_data = refuse_data

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Refuse the first `refuse_data` messages, then accept and count."""
        if self.refuse_data:
            self.refuse_data -= 1
            return "451 try again later"
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def _server(sink: SmtpSink, port: int) -> Iterator[None]:
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()  # closes open connections too: the client learns of it only later


def _send(mailer: ReusedSmtpMailer, number: int) -> None:
    envelope = Envelope("lead@example.org", f"<outbox-{number}@casework.test>")
    mailer.send(envelope, render_alert("en", "http://casework.test/login"))


def test_one_connection_carries_many_messages() -> None:
    sink, port = PeerSink(), free_port()
    mailer = ReusedSmtpMailer("127.0.0.1", port, "casework@test")
    with _server(sink, port):
        for number in range(5):
            _send(mailer, number)
        mailer.close()
    assert len(set(sink.peers)) == 1
    assert sorted(sink.ids().values()) == [1] * 5
    first = sink.messages[0]
    assert (first["To"], first["From"]) == ("lead@example.org", "casework@test")
    expected = render_alert("en", "http://casework.test/login")
    assert first["Subject"] == expected.subject
    assert [body.strip() for body in sink.bodies()[:2]] == [expected.text, expected.html]


def test_a_dropped_connection_is_replaced_before_the_message_is_sent() -> None:
    sink, port = PeerSink(), free_port()
    mailer = ReusedSmtpMailer("127.0.0.1", port, "casework@test")
    with _server(sink, port):
        _send(mailer, 1)
    with _server(sink, port):  # a restarted relay: the kept connection is dead
        _send(mailer, 2)
        _send(mailer, 3)
        mailer.close()
    assert sink.ids() == {f"<outbox-{n}@casework.test>": 1 for n in (1, 2, 3)}
    assert len(set(sink.peers)) == 2


def test_a_refused_message_raises_and_the_next_one_goes_through() -> None:
    sink, port = PeerSink(refuse_data=1), free_port()
    mailer = ReusedSmtpMailer("127.0.0.1", port, "casework@test")
    with _server(sink, port):
        with pytest.raises(ChannelError):
            _send(mailer, 1)
        _send(mailer, 1)
        _send(mailer, 2)
        mailer.close()
    assert sink.ids() == {f"<outbox-{n}@casework.test>": 1 for n in (1, 2)}


def test_an_unreachable_server_raises_channel_error() -> None:
    mailer = ReusedSmtpMailer("127.0.0.1", free_port(), "casework@test", timeout=2.0)
    with pytest.raises(ChannelError):
        _send(mailer, 1)


def _queued_alerts(session: Session, delivery: Delivery, now: datetime, count: int) -> list[int]:
    """`count` alerts for one investigator, handed to the queue by the relay; their ids."""
    lead = make_user(session, make_entity(session, now), Role.INVESTIGATOR, now)
    for _ in range(count):
        add_outbox(session, OutboxKind.ALERT, now, staff_user_id=lead.id)
    session.commit()
    ids = relay_due(session, now, delivery.policy)
    session.commit()
    assert len(ids) == count
    return ids


def test_deliveries_survive_a_server_restart_exactly_once(
    app: Flask, session: Session, now: datetime
) -> None:
    sink, port = PeerSink(), free_port()
    mailer = ReusedSmtpMailer("127.0.0.1", port, "casework@test")
    delivery = replace(delivery_for(app, mailer), policy=RelayPolicy(max_attempts=3))
    ids = _queued_alerts(session, delivery, now, 6)
    with _server(sink, port):
        for outbox_id in ids[:3]:
            assert deliver_outbox(session, delivery, outbox_id, now, session.commit) == "sent"
            session.commit()
    with _server(sink, port):
        for outbox_id in ids[3:] + ids:  # a second message for each row finds it claimed
            deliver_outbox(session, delivery, outbox_id, now, session.commit)
            session.commit()
        mailer.close()
    statuses = session.scalars(
        select(Outbox.status).where(Outbox.kind == OutboxKind.ALERT, Outbox.id.in_(ids))
    )
    assert set(statuses) == {OutboxStatus.SENT}
    assert sink.ids() == {message_id(i, "casework.test"): 1 for i in ids}


def test_a_message_s_rows_are_claimed_and_recorded_on_one_autocommit_connection(
    app: Flask, session: Session, now: datetime
) -> None:
    sink, port = PeerSink(), free_port()
    mailer = ReusedSmtpMailer("127.0.0.1", port, "casework@test")
    delivery = delivery_for(app, mailer)
    ids = _queued_alerts(session, delivery, now, 4)
    with _server(sink, port), engine().connect() as connection:
        claims = connection.execution_options(isolation_level="AUTOCOMMIT")
        outcomes = [deliver_claiming_on(claims, session, delivery, i, now) for i in ids + ids]
        mailer.close()

    assert outcomes == ["sent"] * 4 + ["skipped"] * 4  # a repeated id finds its row claimed
    session.expire_all()
    rows = session.scalars(select(Outbox).where(Outbox.id.in_(ids))).all()
    assert {(row.status, row.attempts) for row in rows} == {(OutboxStatus.SENT, 1)}
    assert sink.ids() == {message_id(i, "casework.test"): 1 for i in ids}
