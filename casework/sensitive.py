"""A marker type for text that came out of an encrypted field."""

from __future__ import annotations


class SensitiveText(str):
    """Plain text decrypted from a field: behaves as str, but log filters recognise it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SensitiveText([redacted])"
