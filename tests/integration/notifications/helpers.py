"""Shared helpers for notification tests."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from casework.boundary import app_keys
from casework.cases.events import CaseEvent, emit
from casework.cases.models import Case, Party, PartyRole
from casework.notifications.channels import Envelope, MissingSmsGateway, SmtpMailer
from casework.notifications.delivery import Delivery
from casework.notifications.outbox import RelayPolicy
from casework.notifications.rendering import RenderedNotice


class RecordingMailer:
    """A mailer that records what it was asked to send (for service-level tests)."""

    def __init__(self) -> None:
        self.sent: list[tuple[Envelope, RenderedNotice]] = []

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Record the message."""
        self.sent.append((envelope, notice))


def delivery_for(app: Flask, mailer: object | None = None, smtp_port: int = 1) -> Delivery:
    """A Delivery for the test app: a recording mailer or real SMTP on a port."""
    return Delivery(
        keys=app_keys(app),
        mailer=mailer or SmtpMailer("127.0.0.1", smtp_port, "casework@test"),  # type: ignore[arg-type]
        sms=MissingSmsGateway(),
        portal_url="http://casework.test/portal",
        sign_in_url="http://casework.test/login",
        message_id_domain="casework.test",
        policy=RelayPolicy(max_attempts=3),
    )


def affected(case: Case) -> Party:
    """The affected person of a case."""
    return next(p for p in case.parties if p.role is PartyRole.AFFECTED)


def fire(session: Session, case: Case, name: str, at: datetime) -> None:
    """Emit a workflow event as the workflow will."""
    emit(session, CaseEvent(name=name, case_id=case.id, at=at))
