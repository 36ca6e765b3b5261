"""Administration of oversight bodies' API tokens: create (shown once), list, revoke; audited."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from casework.audit.services import record_audit
from casework.boundary import now, session
from casework.errors import ValidationFailed
from casework.oversight.services import create_token, list_tokens, revoke_token
from casework.web.admin import admin_required
from casework.web.auth import client_address, current_actor

blueprint = Blueprint("admin_tokens", __name__, url_prefix="/admin", template_folder="templates")


def _page(secret: str | None = None, errors: dict[str, str] | None = None) -> str:
    return render_template(
        "admin/tokens.html",
        tokens=list_tokens(session()),
        secret=secret,
        errors=errors or {},
        form=request.form,
        moment=now(),
    )


@blueprint.get("/tokens")
@admin_required
def tokens() -> str:
    """List every oversight token (never the secrets)."""
    return _page()


@blueprint.post("/tokens")
@admin_required
def tokens_create() -> str | tuple[str, int]:
    """Issue a token; its secret is shown on this response only."""
    try:
        days = int(request.form.get("days", ""))
    except ValueError:
        days = 0
    scopes = request.form.get("scopes", "").replace(",", " ").split()
    try:
        issued = create_token(
            session(), request.form.get("name", ""), scopes, days, now(), current_actor().id
        )
    except ValidationFailed as error:
        session().rollback()
        return _page(errors=error.errors), 400
    record_audit(session(), current_actor().id, "admin.token_create", None, client_address(), now())
    session().commit()
    return _page(secret=issued.secret)


@blueprint.post("/tokens/<int:token_id>/revoke")
@admin_required
def tokens_revoke(token_id: int) -> BaseResponse:
    """Revoke a token at once; revoking twice keeps the first time."""
    revoke_token(session(), token_id, now())
    record_audit(session(), current_actor().id, "admin.token_revoke", None, client_address(), now())
    session().commit()
    return redirect(url_for("admin_tokens.tokens"))
