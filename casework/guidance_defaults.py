"""The guidance version new entities adopt unless told otherwise (re-exported from guidance)."""

from casework.guidance import DEFAULT_VERSION_ID

DEFAULT_GUIDANCE_VERSION = DEFAULT_VERSION_ID

__all__ = ["DEFAULT_GUIDANCE_VERSION", "DEFAULT_VERSION_ID"]
