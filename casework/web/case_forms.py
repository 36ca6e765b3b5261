"""Reading the investigator forms: every field checked, every error named after its field.

Forms return plain values or raise ValidationFailed keyed by form field names, so a page can
show each error next to its field; the services then check the domain rules.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from casework.cases.models import PartyRole, Priority
from casework.cases.services import NewCase, NewParty

E = TypeVar("E", bound=enum.Enum)

CATEGORIES = {
    "verbal": "Verbal",
    "non_verbal": "Non-verbal",
    "physical": "Physical",
    "online": "Online or written",
    "quid_pro_quo": "Quid pro quo",
    "other": "Other",
}
CHANNELS = {
    "hotline": "Hotline",
    "email": "E-mail",
    "in_person": "In person",
    "portal": "Portal",
    "letter": "Letter",
    "other": "Other",
}
ALLEGATION_FIELDS = ("allegation_1", "allegation_2", "allegation_3")
# Form fields of each party, in the order parties are built (service errors name the index).
PARTY_FIELDS = (
    (PartyRole.AFFECTED, "affected"),
    (PartyRole.SUBJECT, "subject"),
    (PartyRole.WITNESS, "witness"),
)

Form = Mapping[str, str]


def text(form: Form, name: str) -> str:
    """Return a stripped text field ('' when absent)."""
    return (form.get(name) or "").strip()


def optional_text(form: Form, name: str) -> str | None:
    """Return a stripped text field, or None when blank."""
    return text(form, name) or None


def parse_instant(
    form: Form, name: str, errors: dict[str, str], required: bool = True
) -> datetime | None:
    """Read a `datetime-local` field as a UTC instant."""
    value = text(form, name)
    if not value:
        if required:
            errors[name] = "is required"
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors[name] = "is not a date and time (YYYY-MM-DDTHH:MM)"
        return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return parsed.replace(tzinfo=UTC)


def parse_choice(
    form: Form, name: str, enum_class: type[E], errors: dict[str, str], required: bool = True
) -> E | None:
    """Read a select field as an enum member."""
    value = text(form, name)
    if not value:
        if required:
            errors[name] = "choose one"
        return None
    try:
        return enum_class(value)
    except ValueError:
        errors[name] = "choose one of the listed options"
        return None


def parse_positive_int(form: Form, name: str, errors: dict[str, str]) -> int | None:
    """Read a whole number greater than 0."""
    value = text(form, name)
    if not value.isdigit() or int(value) <= 0:
        errors[name] = "must be a whole number greater than 0"
        return None
    return int(value)


def field_for_service_error(key: str, party_prefixes: tuple[str, ...]) -> str:
    """Map a service error key (e.g. parties[1].email) to the intake field that caused it."""
    if key.startswith("parties["):
        index = int(key[len("parties[") : key.index("]")])
        return f"{party_prefixes[index]}_{key.rsplit('.', 1)[-1]}"
    if key.startswith("allegations["):
        index = int(key[len("allegations[") : key.index("]")])
        return ALLEGATION_FIELDS[index] if index < len(ALLEGATION_FIELDS) else "allegation_1"
    return {"allegations": "allegation_1"}.get(key, key)


@dataclass(frozen=True)
class Intake:
    """A read intake form: the new case, and which form prefix each of its parties came from."""

    new_case: NewCase
    party_prefixes: tuple[str, ...]


def parse_intake(form: Form, errors: dict[str, str]) -> Intake | None:
    """Read the intake form (None with errors filled when fields are wrong)."""
    category = text(form, "category")
    if category not in CATEGORIES:
        errors["category"] = "choose a category"
    channel = text(form, "intake_channel")
    if channel not in CHANNELS:
        errors["intake_channel"] = "choose the channel the report came by"
    priority = parse_choice(form, "priority", Priority, errors)
    received_at = parse_instant(form, "received_at", errors)
    anonymous = form.get("anonymous") == "yes"
    parties = []
    prefixes = []
    for role, prefix in PARTY_FIELDS:
        name = optional_text(form, f"{prefix}_name")
        email = optional_text(form, f"{prefix}_email")
        phone = optional_text(form, f"{prefix}_phone")
        if role is PartyRole.AFFECTED and anonymous and name:
            errors["affected_name"] = "leave the name blank for an anonymous report"
        if name or email or phone or role is PartyRole.AFFECTED:
            parties.append(NewParty(role, name, email, phone))
            prefixes.append(prefix)
    allegations = tuple(text(form, name) for name in ALLEGATION_FIELDS if text(form, name))
    if not allegations:
        errors["allegation_1"] = "describe at least one allegation"
    if errors or priority is None or received_at is None:
        return None
    new_case = NewCase(
        category=category,
        intake_channel=channel,
        received_at=received_at,
        priority=priority,
        anonymous=anonymous,
        parties=tuple(parties),
        allegations=allegations,
    )
    return Intake(new_case, tuple(prefixes))
