"""Cheap Argon2 parameters for these tests: the hashing itself is not what they check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from casework.identity.passwords import set_cost


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing() -> Iterator[None]:
    set_cost(time_cost=1, memory_cost=1024)
    yield
    set_cost()
