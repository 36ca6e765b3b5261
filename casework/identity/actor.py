"""Who is acting: the signed-in user's id, state and grants, as access checks need them.

Every staff request checks its session and its user's grants. Loading them as ORM objects (the
session row, the user and each grant) cost about a quarter of logging a case step; the checks
read three things, so a request carries this read-only snapshot, taken from one plain row read
(`signin.find_live_session`). A `StaffUser` satisfies `Grantee` too: access rules take either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from casework.identity.models import Role


class GrantView(Protocol):
    """One role held in one entity (None: system-wide), as access rules read it."""

    @property
    def entity_id(self) -> int | None:
        """The entity the role is held in."""

    @property
    def role(self) -> Role:
        """The role."""


class Grantee(Protocol):
    """A user as access rules read it: id, whether active, and grants."""

    @property
    def id(self) -> int:
        """The user's id."""

    @property
    def is_active(self) -> bool:
        """Whether the account is active."""

    @property
    def grants(self) -> Sequence[GrantView]:
        """The roles the user holds."""


@dataclass(frozen=True)
class Grant:
    """One role held in one entity, read once per request."""

    entity_id: int | None
    role: Role


@dataclass(frozen=True)
class Actor:
    """The signed-in user as of the start of this request."""

    id: int
    is_active: bool
    grants: tuple[Grant, ...]
