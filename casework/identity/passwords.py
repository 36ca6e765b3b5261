"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_DEFAULT = PasswordHasher()
_hasher = _DEFAULT


def set_cost(time_cost: int | None = None, memory_cost: int | None = None) -> None:
    """Change the Argon2id cost of new hashes (tests only: cheap; None restores the defaults)."""
    global _hasher
    if time_cost is None or memory_cost is None:
        _hasher = _DEFAULT
    else:
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def hash_password(password: str) -> str:
    """Return an Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether a password matches its hash, without raising."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
