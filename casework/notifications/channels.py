"""Delivery channels: e-mail over SMTP and SMS behind an adapter; both carry notices only."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from casework.notifications.rendering import RenderedNotice


class ChannelError(Exception):
    """A channel refused or could not take a message; the outbox retries with backoff."""


@dataclass(frozen=True)
class Envelope:
    """Where a notice goes and the idempotency key derived from its outbox id."""

    address: str
    message_id: str


class Mailer(Protocol):
    """Sends one e-mail."""

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Send a notice; raise ChannelError on failure."""


class SmsGateway(Protocol):
    """Sends one SMS."""

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Send a notice; raise ChannelError on failure."""


@dataclass(frozen=True)
class SmtpMailer:
    """Plain SMTP to the configured relay; the Message-ID is derived from the outbox id."""

    host: str
    port: int
    sender: str
    timeout: float = 30.0

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Send a text + HTML notice (the HTML part carries dir and lang)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = envelope.address
        message["Subject"] = notice.subject
        message["Message-ID"] = envelope.message_id
        message["Content-Language"] = notice.language
        message.set_content(notice.text)
        message.add_alternative(notice.html, subtype="html")
        try:
            # A fixed HELO name: smtplib would otherwise do a reverse DNS lookup per message.
            helo = self.sender.rpartition("@")[2] or "localhost"
            with smtplib.SMTP(self.host, self.port, helo, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise ChannelError(type(error).__name__) from error


@dataclass(frozen=True)
class HttpSmsGateway:
    """POSTs JSON to an SMS gateway; the Idempotency-Key header lets it drop duplicates."""

    url: str
    timeout: float = 15.0

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Send the notice text to a phone number."""
        body = json.dumps({"to": envelope.address, "text": notice.text}).encode()
        # The URL comes from settings and is checked to be http(s) before it is opened.
        request = urllib.request.Request(  # noqa: S310  # nosec B310
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": envelope.message_id},
        )
        if not self.url.startswith(("http://", "https://")):
            raise ChannelError("sms gateway URL must be http(s)")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                if response.status >= 300:
                    raise ChannelError(f"sms gateway answered {response.status}")
        except OSError as error:
            raise ChannelError(type(error).__name__) from error


@dataclass(frozen=True)
class MissingSmsGateway:
    """Used when no gateway is configured: every SMS fails (and is retried, then failed)."""

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Refuse: no SMS gateway is configured."""
        raise ChannelError("no sms gateway configured")
