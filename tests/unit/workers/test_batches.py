"""A deliver message's ids are delivered in turn; a long batch hands the rest back."""

from __future__ import annotations

from workers.batches import deliver_in_turn


class Clock:
    """Time that moves only when a delivery takes it forward."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_every_id_is_delivered_in_order_within_the_budget() -> None:
    delivered: list[int] = []
    handed: list[list[int]] = []

    def hand_back(rest: list[int]) -> bool:
        handed.append(rest)
        return True

    done = deliver_in_turn([5, 3, 9], delivered.append, hand_back, 20.0)

    assert (done, delivered, handed) == (3, [5, 3, 9], [])


def test_once_the_budget_is_spent_the_rest_goes_back_to_the_queue() -> None:
    clock, delivered, handed = Clock(), list[int](), list[list[int]]()

    def slow(outbox_id: int) -> None:
        delivered.append(outbox_id)
        clock.now += 8.0  # a slow SMTP relay

    def hand_back(rest: list[int]) -> bool:
        handed.append(rest)
        return True

    done = deliver_in_turn([1, 2, 3, 4, 5], slow, hand_back, 20.0, clock)

    assert done == 3 and delivered == [1, 2, 3]
    assert handed == [[4, 5]]


def test_when_the_broker_refuses_the_rest_the_batch_is_finished_here() -> None:
    clock, delivered, offers = Clock(), list[int](), list[list[int]]()

    def slow(outbox_id: int) -> None:
        delivered.append(outbox_id)
        clock.now += 30.0

    def broker_away(rest: list[int]) -> bool:
        offers.append(rest)
        return False

    done = deliver_in_turn([1, 2, 3], slow, broker_away, 20.0, clock)

    assert done == 3 and delivered == [1, 2, 3]
    assert offers == [[2, 3]]  # offered once, then no more waiting on the broker
