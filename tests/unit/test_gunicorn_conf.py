"""The production gunicorn settings: keep-alive workers, a private access log, fork-safe pools.

The Prometheus hooks run against a real gunicorn in tests/integration/test_metrics_gunicorn.py.
"""

from __future__ import annotations

import gc
import os
import shutil
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import KNOWN_SETTINGS

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


def test_pre_fork_takes_the_preloaded_objects_out_of_the_workers_collections() -> None:
    # A misspelt hook would be ignored by gunicorn without a word.
    assert "pre_fork" in {setting.name for setting in KNOWN_SETTINGS}
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.pre_fork(SimpleNamespace(), SimpleNamespace())
        assert gc.get_freeze_count() > 10_000
        assert all(len(gc.get_objects(generation)) < 10_000 for generation in range(3))
    finally:
        gc.unfreeze()


def test_importing_the_settings_outside_gunicorn_leaves_prometheus_in_single_process_mode() -> None:
    assert gunicorn_conf._metrics_directory is None
    assert gunicorn_conf.METRICS_MADE_MARKER not in os.environ


def test_each_server_gets_a_fresh_private_metrics_directory_on_tmpfs() -> None:
    env: dict[str, str] = {}
    made = gunicorn_conf.prepare_metrics_directory(env)
    assert made is not None
    # A master re-executed by USR2 inherits both variables: it makes its own directory.
    again = gunicorn_conf.prepare_metrics_directory(dict(env))
    try:
        directory = Path(made)
        assert env[gunicorn_conf.METRICS_VARIABLE] == made
        assert directory.is_dir() and not any(directory.iterdir())
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert directory.name.startswith(f"casework-metrics-{os.getpid()}-")
        if Path("/dev/shm").is_dir():
            assert directory.parent == Path("/dev/shm")
        assert again is not None and again != made
    finally:
        shutil.rmtree(made)
        if again:
            shutil.rmtree(again)


def test_an_operators_metrics_directory_is_left_as_set(tmp_path: Path) -> None:
    env = {gunicorn_conf.METRICS_VARIABLE: str(tmp_path)}
    assert gunicorn_conf.prepare_metrics_directory(env) is None
    assert env == {gunicorn_conf.METRICS_VARIABLE: str(tmp_path)}


def test_child_exit_drops_only_the_dead_workers_live_gauges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["counter_4242.db", "gauge_all_4242.db", "gauge_livesum_4242.db",
             "gauge_livesum_4343.db", "histogram_4242.db"]  # fmt: skip
    for name in names:
        (tmp_path / name).touch()
    monkeypatch.setenv(gunicorn_conf.METRICS_VARIABLE, str(tmp_path))
    gunicorn_conf.child_exit(SimpleNamespace(), SimpleNamespace(pid=4242))
    remaining = sorted(path.name for path in tmp_path.iterdir())
    assert remaining == [name for name in names if name != "gauge_livesum_4242.db"]


def test_on_exit_removes_only_the_directory_the_master_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = tmp_path / "made"
    made.mkdir()
    (made / "histogram_1.db").touch()
    monkeypatch.setattr(gunicorn_conf, "_metrics_directory", str(made))
    monkeypatch.setattr(gunicorn_conf, "_metrics_owner", os.getpid() + 1)  # as in a worker
    gunicorn_conf.on_exit(SimpleNamespace())
    assert made.exists()
    monkeypatch.setattr(gunicorn_conf, "_metrics_owner", os.getpid())
    gunicorn_conf.on_exit(SimpleNamespace())
    assert not made.exists()
