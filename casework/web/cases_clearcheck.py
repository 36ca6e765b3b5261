"""ClearCheck export: screening records of an entity as CSV, for supervisors and heads only."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from casework.audit.services import record_audit
from casework.boundary import app_keys, now, session
from casework.clearcheck.services import export_csv
from casework.identity.access import roles_in
from casework.identity.models import Role
from casework.web.auth import client_address, current_actor, login_required

blueprint = Blueprint("clearcheck", __name__, url_prefix="/clearcheck")
EXPORTERS = frozenset({Role.SUPERVISOR, Role.HEAD_OF_ENTITY})


@blueprint.get("/entities/<int:entity_id>/export.csv")
@login_required
def export(entity_id: int) -> Response:
    """Download an entity's screening records as CSV; every export is audited."""
    user = current_actor()
    db, moment = session(), now()
    if not user.is_active or not roles_in(user, entity_id) & EXPORTERS:
        abort(404)
    body = export_csv(db, app_keys(), entity_id, moment)
    record_audit(db, user.id, "clearcheck.export", None, client_address(), moment)
    db.commit()
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="clearcheck-entity-{entity_id}-{moment:%Y%m%d}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
