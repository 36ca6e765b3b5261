"""The production gunicorn settings: keep-alive workers, a private access log, fork-safe pools."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from casework import gunicorn_conf
from casework.app import create_app
from casework.extensions import db
from tests.conftest import make_settings
from tests.support.databases import sqlite_url


def test_workers_keep_connections_alive_and_share_the_preloaded_app() -> None:
    assert gunicorn_conf.worker_class == "gthread"
    assert gunicorn_conf.threads >= 2
    assert gunicorn_conf.keepalive >= 2
    assert gunicorn_conf.preload_app
    assert gunicorn_conf.max_requests > 0 and gunicorn_conf.max_requests_jitter > 0
    # Several servers on one machine must not fight over gunicorn's per-user control socket.
    assert gunicorn_conf.control_socket_disable


def test_access_log_holds_no_query_string_referrer_or_user_agent() -> None:
    log_format = gunicorn_conf.access_log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(a)s", "%({query_string}e)s"):
        assert atom not in log_format
    assert "%(U)s" in log_format and "x-request-id" in log_format


def test_post_fork_gives_the_worker_its_own_database_pool(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "instance", sqlite_url(tmp_path)))
    with app.app_context():
        engine = db.engine
        with engine.connect():
            pass  # the master's pool now holds an open connection
        inherited = engine.pool
    server = SimpleNamespace(
        cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: app)
    )
    gunicorn_conf.post_fork(server, None)
    assert engine.pool is not inherited
    # close=False: the connection stays the master's, untouched by the worker.
    assert inherited.checkedin() == 1  # type: ignore[attr-defined]
    engine.dispose()
    inherited.dispose()
