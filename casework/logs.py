"""Logging: JSON lines with request ids, and a filter that keeps personal data out of logs.

The filter is a safety net, not the design: code must never log decrypted values. Should one
reach a log call anyway, it is redacted: any argument that came out of an encrypted field
(`SensitiveText`, returned by every decryption), e-mail addresses and phone numbers.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from casework.sensitive import SensitiveText

REDACTED = "[redacted]"
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w/:.-])\+?\d[\d ()\-.]{7,}\d(?![\w/:.-])")
request_id_var: ContextVar[str | None] = ContextVar("casework_request_id", default=None)


def redact_text(text: str) -> str:
    """Replace e-mail addresses and phone numbers in a text."""
    return PHONE.sub(REDACTED, EMAIL.sub(REDACTED, text))


def _redact_argument(value: object) -> object:
    if isinstance(value, SensitiveText):
        return REDACTED
    return value


class RedactingFilter(logging.Filter):
    """Redact sensitive arguments, e-mail addresses and phone numbers from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        if isinstance(record.msg, SensitiveText):
            record.msg = REDACTED
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_argument(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_argument(v) for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts may quote values; keep the type and the redacted text only.
            error = record.exc_info[1]
            record.exc_text = f"{type(error).__name__}: {redact_text(str(error))}"
            record.exc_info = None
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a JSON line."""
        document = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_text:
            document["error"] = record.exc_text
        return json.dumps(document, ensure_ascii=False)


def configure_logging(level: str, json_lines: bool = True) -> None:
    """Install one redacting handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "casework", False):
            return
    handler = logging.StreamHandler()
    handler.casework = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)
