"""Reading the portal's forms: every field checked; errors are catalogue keys per field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casework.cases.models import PartyRole
from casework.portal.catalogue import LANGUAGES
from casework.portal.services import MAX_MESSAGE, Choices, PortalReport

MAX_NARRATIVE = 10_000
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-. ]{4,40}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
ROLES = {"affected": PartyRole.AFFECTED, "witness": PartyRole.WITNESS}


class FormRejected(Exception):
    """A form failed validation; `errors` maps field names to catalogue keys."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(", ".join(sorted(errors)))


Form = Mapping[str, str]


def _text(form: Form, name: str) -> str:
    return (form.get(name) or "").strip()


def _optional(form: Form, name: str, limit: int, errors: dict[str, str]) -> str | None:
    value = _text(form, name)
    if len(value) > limit:
        errors[name] = "err_too_long"
    return value or None


def read_report(form: Form, entity_ids: set[int], language: str) -> PortalReport:
    """Build a PortalReport from the report form or raise FormRejected naming every field."""
    errors: dict[str, str] = {}
    entity_text = _text(form, "entity")
    entity_id = int(entity_text) if entity_text.isdigit() and len(entity_text) < 10 else -1
    if entity_id not in entity_ids:
        errors["entity"] = "err_choice"
    role = ROLES.get(_text(form, "role"))
    if role is None:
        errors["role"] = "err_choice"
    anonymous = form.get("anonymous") == "yes"
    name = _optional(form, "name", 200, errors)
    email = _optional(form, "email", 254, errors)
    phone = _optional(form, "phone", 40, errors)
    if email and "email" not in errors and not _EMAIL.match(email):
        errors["email"] = "err_email"
    if phone and "phone" not in errors and not _PHONE.match(phone):
        errors["phone"] = "err_choice"
    subject_name = _optional(form, "subject_name", 200, errors)
    narrative = _text(form, "narrative")
    if not narrative:
        errors["narrative"] = "err_required"
    elif len(narrative) > MAX_NARRATIVE:
        errors["narrative"] = "err_too_long"
    if errors or role is None:
        raise FormRejected(errors)
    return PortalReport(
        entity_id=entity_id,
        reporter_role=role,
        anonymous=anonymous,
        narrative=narrative,
        consent=form.get("consent") == "yes",
        language=language,
        name=name,
        email=email,
        phone=phone,
        subject_name=subject_name,
    )


def read_message(form: Form) -> str:
    """Return the message text or raise FormRejected."""
    text = _text(form, "message")
    if not text:
        raise FormRejected({"message": "err_required"})
    if len(text) > MAX_MESSAGE:
        raise FormRejected({"message": "err_too_long"})
    return text


def _minute(value: str, name: str, errors: dict[str, str]) -> int | None:
    match = _TIME.match(value)
    if not match:
        errors[name] = "err_time"
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def read_choices(form: Form, channels: list[str]) -> Choices:
    """Build the contact choices from the preferences form or raise FormRejected."""
    errors: dict[str, str] = {}
    consent_text = _text(form, "consent")
    if consent_text not in ("yes", "no"):
        errors["consent"] = "err_choice"
    if any(c not in ("email", "sms") for c in channels) or len(channels) > 2:
        errors["channels"] = "err_choice"
    language = _text(form, "language")
    if language not in LANGUAGES:
        errors["language"] = "err_choice"
    timezone = _text(form, "timezone") or "UTC"
    try:
        if len(timezone) > 64:
            raise ValueError(timezone)
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "err_timezone"
    start_text, end_text = _text(form, "quiet_from"), _text(form, "quiet_to")
    quiet: tuple[int, int] | None = None
    if start_text or end_text:
        start = _minute(start_text, "quiet_from", errors)
        end = _minute(end_text, "quiet_to", errors)
        if start is not None and end is not None:
            quiet = (start, end)
    if errors:
        raise FormRejected(errors)
    return Choices(
        consent=consent_text == "yes",
        channels=tuple(dict.fromkeys(channels)),
        language=language,
        timezone=timezone,
        quiet_hours=quiet,
        email_safe=form.get("email_unsafe") != "yes",
        sms_safe=form.get("sms_unsafe") != "yes",
    )
