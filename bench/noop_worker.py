"""The Celery app of the delivery baseline: Casework's own app and settings plus a no-op task.

`celery -A bench.noop_worker:celery_app worker ...` runs it with the same broker, serializer,
acknowledgement, prefetch and time-limit settings as the real workers (workers/celery_app.py).
"""

from __future__ import annotations

from bench.delivery import NOOP_TASK
from workers.celery_app import celery_app

__all__ = ["NOOP_TASK", "celery_app", "noop"]


@celery_app.task(name=NOOP_TASK)  # type: ignore[untyped-decorator]
def noop(number: int) -> None:
    """Do nothing: what a task costs the worker with the real settings, and no more."""
    del number
