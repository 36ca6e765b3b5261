"""Adopting a guidance version: new cases of the entity pin it; open cases keep theirs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.errors import ValidationFailed
from casework.guidance import GuidanceVersion, available_versions, load_version
from casework.identity.models import Entity


@dataclass(frozen=True)
class VersionChoice:
    """A guidance version an entity may adopt, and how many of its open cases pin it."""

    version: GuidanceVersion
    in_force: bool
    open_cases: int


def adopt_guidance(session: Session, entity: Entity, version_id: str) -> Entity:
    """Make a known guidance version the one in force for an entity's new cases."""
    try:
        load_version(version_id)
    except KeyError:
        raise ValidationFailed({"version_id": "is not a known guidance version"}) from None
    if entity.guidance_version == version_id:
        raise ValidationFailed({"version_id": f"version {version_id} is already in force"})
    entity.guidance_version = version_id
    session.flush()
    return entity


def version_choices(session: Session, entity: Entity) -> list[VersionChoice]:
    """Return every available version, newest first, with the entity's open cases pinning it."""
    rows = session.execute(
        select(Case.guidance_version, func.count())
        .where(Case.entity_id == entity.id, Case.closed_at.is_(None))
        .group_by(Case.guidance_version)
    )
    pinned: dict[str, int] = {version_id: count for version_id, count in rows}
    return [
        VersionChoice(
            load_version(version_id),
            version_id == entity.guidance_version,
            pinned.get(version_id, 0),
        )
        for version_id in reversed(available_versions())
    ]
