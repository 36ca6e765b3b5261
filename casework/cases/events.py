"""Domain events: the workflow announces what happened; other domains listen in-transaction.

Listeners run inside the same session and transaction as the change that caused the event, so a
notification or alert written by a listener commits or rolls back with the change (the
transactional outbox). The cases package never imports its listeners: they register themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CaseEvent:
    """Something that happened to a case: a name from casework.guidance.CaseEvent or a step."""

    name: str
    case_id: int
    at: datetime
    actor_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Session, CaseEvent], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register a listener for every case event (usable as a decorator); idempotent."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(session: Session, event: CaseEvent) -> None:
    """Announce an event to every listener, in the caller's transaction."""
    for listener in list(_listeners):
        listener(session, event)
