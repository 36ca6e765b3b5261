"""Settings: a frozen, typed object read from the environment; fails fast with one clear line."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from casework.errors import ConfigError

PROFILES = ("embedded", "production")
_DB_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
_BROKER_SCHEMES = ("redis", "rediss", "sqla+sqlite", "memory")
DEFAULT_PORTAL_EXIT_URL = "https://www.un.org/en/"
MAX_PROXY_HOPS = 5


@dataclass(frozen=True)
class Settings:
    """Everything the application and workers need to start; built once, passed to create_app."""

    profile: str
    instance_path: Path
    database_url: str
    broker_url: str
    keyring_path: Path
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_sender: str = "casework@localhost"
    sms_gateway_url: str | None = None
    cookie_secure: bool = True
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    base_url: str = "http://127.0.0.1:5000"
    log_level: str = "INFO"
    portal_exit_url: str = DEFAULT_PORTAL_EXIT_URL
    # The outbox relay: how often beat runs it, rows per batch, and how many full batches one
    # run may hand over back to back (so a backlog drains at batch * batches / interval rows/s).
    outbox_relay_seconds: int = 2
    outbox_relay_batch: int = 1000
    outbox_relay_max_batches: int = 10
    # Outbox ids per deliver message: the queue's own cost per message is paid once for them all.
    outbox_deliver_batch: int = 20
    # Proxies in front of gunicorn whose X-Forwarded-For/-Proto are trusted (0: none, so a client
    # cannot choose the address that sign-in throttling and the audit log record).
    proxy_hops: int = 0
    # When set, /metrics answers only `Authorization: Bearer <this token>` (Prometheus's
    # `authorization` setting); unset, it is open and must be reachable only privately.
    metrics_token: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the database is a SQLite file."""
        return self.database_url.startswith("sqlite")


def _check_database_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in _DB_SCHEMES:
        raise ConfigError(
            f"CASEWORK_DATABASE_URL has scheme {scheme or '(none)'!r}: use "
            "sqlite:///path/to/casework.sqlite or postgresql+psycopg://user@host:5432/dbname"
        )
    if scheme == "sqlite" and not url.startswith("sqlite:///"):
        raise ConfigError(
            "CASEWORK_DATABASE_URL for SQLite must name a file: sqlite:///path/to/casework.sqlite"
        )
    if scheme.startswith("postgresql"):
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError(
                "CASEWORK_DATABASE_URL must name a host and a database: "
                "postgresql+psycopg://user@host:5432/dbname"
            )
        if scheme == "postgresql":
            url = "postgresql+psycopg" + url[len("postgresql") :]
    return url


def _check_broker_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in _BROKER_SCHEMES:
        raise ConfigError(
            f"CASEWORK_BROKER_URL has scheme {scheme or '(none)'!r}: use "
            "redis://host:6379/0 (production) or sqla+sqlite:///path/broker.sqlite (embedded)"
        )
    if scheme.startswith("redis"):
        parts = urlsplit(url)
        if not parts.hostname:
            raise ConfigError("CASEWORK_BROKER_URL must name the Redis host: redis://host:6379/0")
    return url


def _check_exit_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        absolute = parts.scheme == "https" and bool(parts.hostname)
    except ValueError:
        absolute = False
    unsafe = any(ch.isspace() or ch in "\"'<>\\" or ord(ch) < 32 for ch in url)
    if not absolute or unsafe:
        raise ConfigError(
            f"CASEWORK_PORTAL_EXIT_URL must be an absolute https:// URL "
            f"(e.g. {DEFAULT_PORTAL_EXIT_URL}), got {url!r}"
        )
    return url


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {text!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _bounded_setting(env: Mapping[str, str], name: str, default: int, ceiling: int) -> int:
    value = _int_setting(env, name, default)
    if value > ceiling:
        raise ConfigError(f"{name} must be at most {ceiling}, got {value}")
    return value


MIN_METRICS_TOKEN_LENGTH = 32


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("CASEWORK_METRICS_TOKEN", "")
    if not token:
        return None
    if len(token) < MIN_METRICS_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
        raise ConfigError(
            f"CASEWORK_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} printable ASCII "
            "characters, e.g. the output of `python3 -c 'import secrets; print(secrets.token_urlsafe())'`"
        )
    return token


def _proxy_hops(env: Mapping[str, str]) -> int:
    text = env.get("CASEWORK_PROXY_HOPS", "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PROXY_HOPS:
        raise ConfigError(
            f"CASEWORK_PROXY_HOPS must be a whole number from 0 to {MAX_PROXY_HOPS} (the number of "
            f"proxies in front of gunicorn, e.g. 1 behind one load balancer), got {text!r}"
        )
    return int(text)


def _bool_setting(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name)
    if text is None or text == "":
        return default
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {text!r}")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment (CASEWORK_*); raise ConfigError naming the fix."""
    env = os.environ if env is None else env
    profile = env.get("CASEWORK_PROFILE", "embedded")
    if profile not in PROFILES:
        raise ConfigError(f"CASEWORK_PROFILE must be one of {', '.join(PROFILES)}, got {profile!r}")
    instance = Path(env.get("CASEWORK_INSTANCE", "instance")).resolve()
    if profile == "embedded":
        database_url = env.get("CASEWORK_DATABASE_URL") or f"sqlite:///{instance}/casework.sqlite"
        broker_url = env.get("CASEWORK_BROKER_URL") or f"sqla+sqlite:///{instance}/broker.sqlite"
    else:
        missing = [n for n in ("CASEWORK_DATABASE_URL", "CASEWORK_BROKER_URL") if not env.get(n)]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} must be set for the production profile "
                "(e.g. postgresql+psycopg://casework@db:5432/casework and redis://redis:6379/0)"
            )
        database_url = env["CASEWORK_DATABASE_URL"]
        broker_url = env["CASEWORK_BROKER_URL"]
    return Settings(
        profile=profile,
        instance_path=instance,
        database_url=_check_database_url(database_url),
        broker_url=_check_broker_url(broker_url),
        keyring_path=Path(env.get("CASEWORK_KEYRING") or instance / "keyring.json"),
        smtp_host=env.get("CASEWORK_SMTP_HOST", "127.0.0.1"),
        smtp_port=_int_setting(env, "CASEWORK_SMTP_PORT", 8025),
        mail_sender=env.get("CASEWORK_MAIL_SENDER", "casework@localhost"),
        sms_gateway_url=env.get("CASEWORK_SMS_GATEWAY_URL") or None,
        cookie_secure=_bool_setting(env, "CASEWORK_COOKIE_SECURE", profile == "production"),
        session_idle_minutes=_int_setting(env, "CASEWORK_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int_setting(env, "CASEWORK_SESSION_ABSOLUTE_HOURS", 12),
        base_url=env.get("CASEWORK_BASE_URL", "http://127.0.0.1:5000"),
        log_level=env.get("CASEWORK_LOG_LEVEL", "INFO").upper(),
        portal_exit_url=_check_exit_url(
            env.get("CASEWORK_PORTAL_EXIT_URL") or DEFAULT_PORTAL_EXIT_URL
        ),
        outbox_relay_seconds=_bounded_setting(env, "CASEWORK_OUTBOX_RELAY_SECONDS", 2, 60),
        outbox_relay_batch=_bounded_setting(env, "CASEWORK_OUTBOX_RELAY_BATCH", 1000, 10_000),
        outbox_relay_max_batches=_bounded_setting(
            env, "CASEWORK_OUTBOX_RELAY_MAX_BATCHES", 10, 100
        ),
        outbox_deliver_batch=_bounded_setting(env, "CASEWORK_OUTBOX_DELIVER_BATCH", 20, 200),
        proxy_hops=_proxy_hops(env),
        metrics_token=_metrics_token(env),
    )
