"""What tasks need from the environment: the task clock and the delivery configuration."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from casework.boundary import app_keys, app_settings, now
from casework.notifications.channels import (
    HttpSmsGateway,
    MissingSmsGateway,
    ReusedSmtpMailer,
    SmsGateway,
)
from casework.notifications.delivery import Delivery
from casework.notifications.outbox import RelayPolicy

CLOCK_OFFSET_ENV = "CASEWORK_CLOCK_OFFSET_DAYS"


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    return float(text) if text else default


def task_now() -> datetime:
    """The tasks' clock: real UTC time; the embedded profile may shift it (tests only)."""
    current = now()
    if app_settings().profile == "embedded":
        offset = os.environ.get(CLOCK_OFFSET_ENV, "")
        if offset:
            current += timedelta(days=float(offset))
    return current


def relay_policy() -> RelayPolicy:
    """Relay timings; tests shorten them with CASEWORK_OUTBOX_* variables."""
    settings = app_settings()
    return RelayPolicy(
        batch_size=settings.outbox_relay_batch,
        requeue_after=timedelta(seconds=_seconds("CASEWORK_OUTBOX_REQUEUE_SECONDS", 300)),
        stale_after=timedelta(seconds=_seconds("CASEWORK_OUTBOX_STALE_SECONDS", 600)),
        max_attempts=int(_seconds("CASEWORK_OUTBOX_MAX_ATTEMPTS", 6)),
        backoff_base=timedelta(seconds=_seconds("CASEWORK_OUTBOX_BACKOFF_SECONDS", 30)),
    )


_MAILERS: dict[tuple[str, int, str], ReusedSmtpMailer] = {}


def smtp_mailer(host: str, port: int, sender: str) -> ReusedSmtpMailer:
    """The process's mailer for a relay: it keeps one SMTP connection between deliveries."""
    key = (host, port, sender)
    mailer = _MAILERS.get(key)
    if mailer is None:
        mailer = _MAILERS[key] = ReusedSmtpMailer(host, port, sender)
    return mailer


def close_mailers() -> None:
    """Close the kept SMTP connections (at worker process shutdown)."""
    for mailer in list(_MAILERS.values()):
        mailer.close()


def delivery() -> Delivery:
    """Channels, keys and URLs of the running app."""
    settings = app_settings()
    sms: SmsGateway = (
        HttpSmsGateway(settings.sms_gateway_url)
        if settings.sms_gateway_url
        else MissingSmsGateway()
    )
    base = settings.base_url.rstrip("/")
    return Delivery(
        keys=app_keys(),
        mailer=smtp_mailer(settings.smtp_host, settings.smtp_port, settings.mail_sender),
        sms=sms,
        portal_url=f"{base}/portal",
        sign_in_url=f"{base}/sign-in",
        message_id_domain=urlsplit(base).hostname or "casework.invalid",
        policy=relay_policy(),
        cases_url=f"{base}/cases",
    )
