"""The guidance version new entities adopt unless told otherwise."""

DEFAULT_GUIDANCE_VERSION = "2026.1"
