"""A deliver message's outbox ids, delivered in turn within a time budget."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence


def deliver_in_turn(
    ids: Sequence[int],
    deliver_one: Callable[[int], object],
    hand_back: Callable[[list[int]], bool],
    budget_seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Deliver each id in order; once the budget is spent, hand the rest back and stop.

    Returns how many ids were delivered here. If the rest cannot be handed back (the broker is
    away), the batch is finished here instead: the rows are never left without a message.
    """
    hand_back_at = clock() + budget_seconds
    for done, outbox_id in enumerate(ids):
        if clock() > hand_back_at:
            if hand_back(list(ids[done:])):
                return done
            hand_back_at = math.inf
        deliver_one(outbox_id)
    return len(ids)
