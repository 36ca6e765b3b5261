"""An entity's timeline settings: the guidance version in force and its holidays.

Administrators (system-wide, or of the entity) and the entity's head may change them; anyone
else gets 404. No case content is shown. Every change is audited; a holiday change moves the
working-day deadlines of the entity's open cases in the same transaction.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from casework.audit.services import record_audit
from casework.boundary import now, session
from casework.cases.guidance_adoption import adopt_guidance, version_choices
from casework.cases.holidays import add_holiday, holidays_of, remove_holiday
from casework.errors import NotFound, ValidationFailed
from casework.identity.access import can
from casework.identity.models import Entity
from casework.web.auth import client_address, current_actor, login_required

blueprint = Blueprint(
    "admin_entities", __name__, url_prefix="/admin/entities", template_folder="templates"
)

GUIDANCE = "guidance.adopt"
HOLIDAYS = "holidays.manage"
# Fixed confirmations shown after a redirect (the query string never carries user input back).
DONE = {
    "adopted": "The new guidance version is in force for cases opened from now on.",
    "added": "Holiday added; the working-day deadlines of open cases were recomputed.",
    "removed": "Holiday removed; the working-day deadlines of open cases were recomputed.",
}


def _entity_for(entity_id: int, permission: str) -> Entity:
    entity = session().get(Entity, entity_id)
    if entity is None or not can(current_actor(), permission, entity):
        raise NotFound(f"entity {entity_id}")
    return entity


def _audit(action: str) -> None:
    record_audit(session(), current_actor().id, action[:64], None, client_address(), now())


def _done() -> str | None:
    return DONE.get(request.args.get("done", ""))


@blueprint.get("/")
@login_required
def entities() -> str:
    """List the entities whose timeline settings the user may change."""
    user = current_actor()
    rows = [
        (entity, can(user, GUIDANCE, entity), can(user, HOLIDAYS, entity))
        for entity in session().scalars(select(Entity).order_by(Entity.code))
    ]
    rows = [row for row in rows if row[1] or row[2]]
    if not rows:
        raise NotFound("entities")
    return render_template("admin/entities.html", rows=rows)


def _guidance_page(
    entity: Entity, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "admin/entity_guidance.html",
        entity=entity,
        choices=version_choices(session(), entity),
        errors=errors or {},
        done=_done(),
    ), status


@blueprint.get("/<int:entity_id>/guidance")
@login_required
def guidance(entity_id: int) -> tuple[str, int]:
    """Show the guidance versions available, the one in force and what adopting one changes."""
    return _guidance_page(_entity_for(entity_id, GUIDANCE))


@blueprint.post("/<int:entity_id>/guidance")
@login_required
def guidance_adopt(entity_id: int) -> BaseResponse | tuple[str, int]:
    """Adopt a guidance version for the entity's new cases; open cases keep theirs."""
    entity = _entity_for(entity_id, GUIDANCE)
    version_id = request.form.get("version_id", "").strip()[:32]
    try:
        if not version_id:
            raise ValidationFailed({"version_id": "choose the version to adopt"})
        adopt_guidance(session(), entity, version_id)
    except ValidationFailed as failed:
        session().rollback()
        return _guidance_page(entity, failed.errors, status=400)
    _audit(f"guidance.adopt:entity={entity.id}:version={version_id}")
    session().commit()
    return redirect(url_for("admin_entities.guidance", entity_id=entity.id, done="adopted"))


def _holidays_page(
    entity: Entity, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    values = request.form if request.method == "POST" else {}
    return render_template(
        "admin/entity_holidays.html",
        entity=entity,
        holidays=holidays_of(session(), entity),
        errors=errors or {},
        values=values,
        done=_done(),
    ), status


@blueprint.get("/<int:entity_id>/holidays")
@login_required
def holidays(entity_id: int) -> tuple[str, int]:
    """List the entity's holidays, with forms to add and remove them."""
    return _holidays_page(_entity_for(entity_id, HOLIDAYS))


@blueprint.post("/<int:entity_id>/holidays")
@login_required
def holidays_add(entity_id: int) -> BaseResponse | tuple[str, int]:
    """Add a holiday (date and name); the open cases' working-day deadlines move."""
    entity = _entity_for(entity_id, HOLIDAYS)
    try:
        add_holiday(
            session(),
            entity,
            request.form.get("day", "")[:40],
            request.form.get("label", "")[:400],
            now(),
        )
    except ValidationFailed as failed:
        session().rollback()
        return _holidays_page(entity, failed.errors, status=400)
    _audit(f"holidays.add:entity={entity.id}")
    session().commit()
    return redirect(url_for("admin_entities.holidays", entity_id=entity.id, done="added"))


@blueprint.post("/<int:entity_id>/holidays/<int:holiday_id>/delete")
@login_required
def holidays_remove(entity_id: int, holiday_id: int) -> BaseResponse:
    """Remove a holiday; the open cases' working-day deadlines move back."""
    entity = _entity_for(entity_id, HOLIDAYS)
    remove_holiday(session(), entity, holiday_id, now())
    _audit(f"holidays.remove:entity={entity.id}")
    session().commit()
    return redirect(url_for("admin_entities.holidays", entity_id=entity.id, done="removed"))
