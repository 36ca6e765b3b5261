"""Adopting a guidance version: new cases of the entity pin it; open cases keep theirs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.errors import ValidationFailed
from casework.guidance import load_version
from casework.identity.models import Entity


def adopt_guidance(session: Session, entity: Entity, version_id: str) -> Entity:
    """Make a known guidance version the one in force for an entity's new cases."""
    try:
        load_version(version_id)
    except KeyError:
        raise ValidationFailed({"version_id": "is not a known guidance version"}) from None
    entity.guidance_version = version_id
    session.flush()
    return entity
