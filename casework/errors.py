"""One hierarchy of domain errors; boundaries map them to HTTP or CLI messages in one place.

Messages carry ids and field names only, never decrypted values.
"""

from __future__ import annotations


class CaseworkError(Exception):
    """Base of every error the domain raises on purpose."""


class ConfigError(CaseworkError):
    """Settings are missing or malformed; the message says what and how to fix it."""


class NotFound(CaseworkError):
    """The record does not exist or the caller may not know that it exists."""


class ValidationFailed(CaseworkError):
    """Input was rejected; `errors` maps field names to reasons."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.errors.items()))


class TransitionRefused(CaseworkError):
    """A workflow rule refuses the requested change."""


class AccessDenied(CaseworkError):
    """The caller may not perform this action (boundaries answer 404 for case records)."""


class CryptoError(CaseworkError):
    """Base of every cryptographic failure; raised only by casework.crypto."""


class KeyUnavailable(CryptoError):
    """A key needed for the operation is missing, retired or destroyed (fail closed)."""


class DecryptionFailed(CryptoError):
    """A ciphertext is corrupt, or was moved to another record or field."""
