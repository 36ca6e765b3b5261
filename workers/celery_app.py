"""The Celery app, built from create_app: tasks run inside the Flask app context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from casework.app import create_app
from casework.boundary import app_settings
from casework.config import load_settings

HEARTBEAT_SECONDS = 30.0

# Periodic work only: deadlines are found by database scans, never by ETA tasks.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "system-heartbeat": {"task": "system.heartbeat", "schedule": HEARTBEAT_SECONDS},
    "outbox-relay": {"task": "outbox.relay", "schedule": 5.0},
    "deadlines-scan": {"task": "deadlines.scan", "schedule": 60.0},
    "deadlines-refresh-stopped": {"task": "deadlines.refresh_stopped", "schedule": 900.0},
    "milestones-scan": {"task": "milestones.scan", "schedule": 300.0},
    "milestones-alert-overdue": {"task": "milestones.alert_overdue", "schedule": 900.0},
    "retention-shred": {"task": "retention.shred", "schedule": crontab(hour=2, minute=30)},
    "notifications-send-digests": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=6, minute=0),
    },
    "portal-cleanup": {"task": "portal.cleanup", "schedule": 3600.0},
    "statistics-build-releases": {
        "task": "statistics.build_releases",
        "schedule": crontab(hour=3, minute=15, day_of_week=1),
    },
}


def make_celery(app: Flask) -> Celery:
    """Configure Celery for an app with the reliability settings of security.md."""
    settings = app_settings(app)

    class AppContextTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=AppContextTask)
    celery.conf.update(
        broker_url=settings.broker_url,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=60,
        task_time_limit=120,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule={
            **BEAT_SCHEDULE,
            "outbox-relay": {
                "task": "outbox.relay",
                "schedule": float(settings.outbox_relay_seconds),
            },
        },
    )
    if settings.broker_url.startswith("redis"):
        # Well above the hard time limit, so an unacknowledged task is redelivered only once
        # its worker is truly gone. (The SQLAlchemy transport hands these options to
        # create_engine, so they are set for Redis only.)
        celery.conf.broker_transport_options = {"visibility_timeout": 3600}
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


flask_app = create_app(load_settings())
celery_app = make_celery(flask_app)

import workers.tasks  # noqa: E402,F401  (registers the tasks on celery_app)
