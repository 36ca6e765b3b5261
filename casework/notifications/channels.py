"""Delivery channels: e-mail over SMTP and SMS behind an adapter; both carry notices only."""

from __future__ import annotations

import json
import os
import re
import smtplib
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from functools import lru_cache
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


def _email(sender: str, envelope: Envelope, notice: RenderedNotice) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = envelope.address
    message["Subject"] = notice.subject
    message["Message-ID"] = envelope.message_id
    message["Content-Language"] = notice.language
    message.set_content(notice.text)
    message.add_alternative(notice.html, subtype="html")
    return message


# Addresses and Message-IDs that can go into a header as they are (ASCII, no folding, no CR/LF).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,190}")
_PLAIN_MESSAGE_ID = re.compile(r"<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]{1,200}>")


@lru_cache(maxsize=64)
def _template(sender: str, notice: RenderedNotice) -> bytes:
    """The message without its To and Message-ID headers, built and encoded once per notice."""
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = notice.subject
    message["Content-Language"] = notice.language
    message.set_content(notice.text)
    message.add_alternative(notice.html, subtype="html")
    return message.as_bytes(policy=policy.SMTP)


@lru_cache(maxsize=8)
def _envelope_sender(sender: str) -> str:
    return parseaddr(sender)[1] or sender


def _helo(sender: str) -> str:
    # A fixed HELO name: smtplib would otherwise do a reverse DNS lookup per connection.
    return sender.rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class SmtpMailer:
    """Plain SMTP to the configured relay, one connection per message."""

    host: str
    port: int
    sender: str
    timeout: float = 30.0

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Send a text + HTML notice (the HTML part carries dir and lang)."""
        message = _email(self.sender, envelope, notice)
        try:
            with smtplib.SMTP(
                self.host, self.port, _helo(self.sender), timeout=self.timeout
            ) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise ChannelError(type(error).__name__) from error


@dataclass
class ReusedSmtpMailer:
    """SMTP to the configured relay over one connection kept per process.

    On a kept connection the message's MAIL command doubles as the check that it is alive: if
    the relay has dropped it (or refuses MAIL), nothing of the message has been sent, so a
    fresh connection is opened and the message starts again there; a dropped connection costs
    no attempt and sends nothing twice. A failure once the message is under way (RCPT, DATA)
    closes the connection and raises ChannelError (the outbox retries, with the same
    Message-ID). A connection idle longer than `max_idle` is replaced, not probed; one
    inherited across a fork is abandoned without a word to the server.
    """

    host: str
    port: int
    sender: str
    timeout: float = 30.0
    max_idle: float = 60.0
    _smtp: smtplib.SMTP | None = field(default=None, init=False, repr=False)
    _pid: int = field(default=0, init=False, repr=False)
    _used_at: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def send(self, envelope: Envelope, notice: RenderedNotice) -> None:
        """Send a text + HTML notice over the kept connection (opened or replaced as needed)."""
        plain = _PLAIN_ADDRESS.fullmatch(envelope.address) and _PLAIN_MESSAGE_ID.fullmatch(
            envelope.message_id
        )
        with self._lock:
            try:
                if plain:
                    # The notice's MIME parts are the same for every recipient: only the two
                    # headers that differ are written per message.
                    head = f"To: {envelope.address}\r\nMessage-ID: {envelope.message_id}\r\n"
                    data = head.encode("ascii") + _template(self.sender, notice)
                    smtp = self._mail_started()
                    _finish_plain(smtp, envelope.address, data)
                else:
                    self._ready().send_message(_email(self.sender, envelope, notice))
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                raise ChannelError(type(error).__name__) from error
            self._used_at = time.monotonic()

    def close(self) -> None:
        """Say QUIT and close the kept connection (at worker shutdown); harmless if none."""
        with self._lock:
            self._drop()

    def _kept(self) -> smtplib.SMTP | None:
        """The kept connection if it may be used: same process, not idle too long."""
        if self._smtp is not None and self._pid != os.getpid():
            self._smtp = None  # the parent's socket: leave it alone
        if self._smtp is not None and time.monotonic() - self._used_at > self.max_idle:
            self._drop()
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        self._smtp = smtplib.SMTP(self.host, self.port, _helo(self.sender), timeout=self.timeout)
        self._pid = os.getpid()
        self._smtp.ehlo_or_helo_if_needed()
        return self._smtp

    def _mail_started(self) -> smtplib.SMTP:
        """A connection on which MAIL FROM was just accepted: the kept one, or a fresh one."""
        sender = _envelope_sender(self.sender)
        smtp = self._kept()
        if smtp is not None:
            try:
                code, _ = _command(smtp, "mail", f"FROM:<{sender}>")
            except (OSError, smtplib.SMTPException):
                code = 0
            if code == 250:
                return smtp
            self._drop()
        smtp = self._open()
        code, reply = _command(smtp, "mail", f"FROM:<{sender}>")
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        return smtp

    def _ready(self) -> smtplib.SMTP:
        """A connection that answered RSET just now, or a fresh one."""
        smtp = self._kept()
        if smtp is not None:
            try:
                code, _ = smtp.rset()
            except (OSError, smtplib.SMTPException):
                code = 0
            if code == 250:
                return smtp
            self._drop()
        return self._open()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _command(smtp: smtplib.SMTP, name: str, argument: str) -> tuple[int, bytes]:
    """One SMTP command and its reply (smtplib's mail() and rcpt() re-parse the address)."""
    smtp.putcmd(name, argument)
    return smtp.getreply()


def _finish_plain(smtp: smtplib.SMTP, address: str, data: bytes) -> None:
    """RCPT and DATA of a message whose MAIL FROM was accepted; raise if either is refused."""
    code, reply = _command(smtp, "rcpt", f"TO:<{address}>")
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
    code, reply = smtp.data(data)
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


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
