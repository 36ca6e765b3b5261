"""Settings: defaults for the embedded profile, one clear line for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.config import load_settings
from casework.errors import ConfigError


def test_embedded_defaults_need_no_server(tmp_path: Path) -> None:
    settings = load_settings({"CASEWORK_INSTANCE": str(tmp_path)})
    assert settings.profile == "embedded"
    assert settings.database_url == f"sqlite:///{tmp_path}/casework.sqlite"
    assert settings.broker_url == f"sqla+sqlite:///{tmp_path}/broker.sqlite"
    assert settings.keyring_path == tmp_path / "keyring.json"


def test_portal_exit_url_defaults_to_a_neutral_site_and_can_be_set(tmp_path: Path) -> None:
    default = load_settings({"CASEWORK_INSTANCE": str(tmp_path)})
    assert default.portal_exit_url == "https://www.un.org/en/"
    chosen = load_settings(
        {
            "CASEWORK_INSTANCE": str(tmp_path),
            "CASEWORK_PORTAL_EXIT_URL": "https://weather.example.org/today?city=geneva",
        }
    )
    assert chosen.portal_exit_url == "https://weather.example.org/today?city=geneva"


def test_relay_defaults_drain_a_backlog_well_above_one_batch_per_beat(tmp_path: Path) -> None:
    settings = load_settings({"CASEWORK_INSTANCE": str(tmp_path)})
    per_second = (
        settings.outbox_relay_batch
        * settings.outbox_relay_max_batches
        / settings.outbox_relay_seconds
    )
    assert per_second >= 1000
    chosen = load_settings(
        {"CASEWORK_INSTANCE": str(tmp_path), "CASEWORK_OUTBOX_RELAY_BATCH": "200"}
    )
    assert chosen.outbox_relay_batch == 200


def test_proxy_hops_default_to_trusting_no_forwarded_headers(tmp_path: Path) -> None:
    assert load_settings({"CASEWORK_INSTANCE": str(tmp_path)}).proxy_hops == 0
    for text, hops in (("0", 0), ("1", 1), (" 2 ", 2), ("5", 5)):
        env = {"CASEWORK_INSTANCE": str(tmp_path), "CASEWORK_PROXY_HOPS": text}
        assert load_settings(env).proxy_hops == hops


def test_production_normalises_the_postgres_driver() -> None:
    settings = load_settings(
        {
            "CASEWORK_PROFILE": "production",
            "CASEWORK_DATABASE_URL": "postgresql://cw@db:5432/casework",
            "CASEWORK_BROKER_URL": "redis://redis:6379/0",
        }
    )
    assert settings.database_url == "postgresql+psycopg://cw@db:5432/casework"
    assert settings.cookie_secure is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CASEWORK_PROFILE": "production"},
            "CASEWORK_DATABASE_URL and CASEWORK_BROKER_URL must be set",
        ),
        ({"CASEWORK_DATABASE_URL": "mysql://x/y"}, "scheme 'mysql'"),
        ({"CASEWORK_DATABASE_URL": "sqlite://"}, "must name a file"),
        ({"CASEWORK_DATABASE_URL": "postgresql+psycopg://host"}, "must name a host and a database"),
        ({"CASEWORK_BROKER_URL": "amqp://guest@x//"}, "CASEWORK_BROKER_URL has scheme 'amqp'"),
        ({"CASEWORK_BROKER_URL": "redis:///0"}, "must name the Redis host"),
        ({"CASEWORK_PROFILE": "staging"}, "must be one of embedded, production"),
        ({"CASEWORK_SMTP_PORT": "twenty"}, "CASEWORK_SMTP_PORT must be a whole number"),
        ({"CASEWORK_COOKIE_SECURE": "maybe"}, "must be true or false"),
        ({"CASEWORK_PORTAL_EXIT_URL": "http://www.un.org/"}, "must be an absolute https:// URL"),
        ({"CASEWORK_PORTAL_EXIT_URL": "/elsewhere"}, "CASEWORK_PORTAL_EXIT_URL must be"),
        ({"CASEWORK_PORTAL_EXIT_URL": "https://"}, "CASEWORK_PORTAL_EXIT_URL must be"),
        ({"CASEWORK_PORTAL_EXIT_URL": "javascript:alert(1)"}, "CASEWORK_PORTAL_EXIT_URL must be"),
        ({"CASEWORK_PORTAL_EXIT_URL": "https://x.org/\n<b>"}, "CASEWORK_PORTAL_EXIT_URL must be"),
        ({"CASEWORK_PORTAL_EXIT_URL": "https://[::1"}, "CASEWORK_PORTAL_EXIT_URL must be"),
        ({"CASEWORK_OUTBOX_RELAY_BATCH": "0"}, "CASEWORK_OUTBOX_RELAY_BATCH must be positive"),
        ({"CASEWORK_OUTBOX_RELAY_BATCH": "50000"}, "CASEWORK_OUTBOX_RELAY_BATCH must be at most"),
        ({"CASEWORK_OUTBOX_RELAY_SECONDS": "0.5"}, "RELAY_SECONDS must be a whole number"),
        ({"CASEWORK_OUTBOX_RELAY_MAX_BATCHES": "1000"}, "RELAY_MAX_BATCHES must be at most"),
        ({"CASEWORK_OUTBOX_DELIVER_BATCH": "0"}, "CASEWORK_OUTBOX_DELIVER_BATCH must be positive"),
        ({"CASEWORK_OUTBOX_DELIVER_BATCH": "201"}, "OUTBOX_DELIVER_BATCH must be at most 200"),
        ({"CASEWORK_METRICS_TOKEN": "short"}, "CASEWORK_METRICS_TOKEN must be at least 32"),
        ({"CASEWORK_METRICS_TOKEN": "x" * 31 + "\u00e9"}, "CASEWORK_METRICS_TOKEN must be"),
        *(
            (
                {"CASEWORK_PROXY_HOPS": text},
                "CASEWORK_PROXY_HOPS must be a whole number from 0 to 5",
            )
            for text in ("6", "-1", "one", "1.0", "\u00b2")
        ),
    ],
)
def test_bad_settings_name_the_variable_and_the_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env)
    assert "\n" not in str(info.value)
