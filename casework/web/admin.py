"""Administration pages: users, roles, sessions. Administrators only; no case content."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from casework.audit.services import record_audit
from casework.boundary import app_keys, app_settings, now, session
from casework.errors import NotFound, ValidationFailed
from casework.identity.access import can
from casework.identity.models import Entity, Role, StaffSession
from casework.identity.signin import end_session, live_sessions, totp_box
from casework.identity.users import (
    SYSTEM_ROLES,
    create_user,
    disable,
    entity_by_code,
    get_user,
    grant_role,
    list_users,
    reset_password,
    reset_totp,
    revoke_grant,
)
from casework.web.auth import client_address, current_actor, login_required, session_policy

P = ParamSpec("P")
R = TypeVar("R")

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def admin_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Require a signed-in administrator; anyone else gets 404."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not can(current_actor(), "admin.manage", None):
            raise NotFound("admin")
        return view(*args, **kwargs)

    return login_required(wrapper)


def _audit(action: str) -> None:
    record_audit(session(), current_actor().id, action, None, client_address(), now())


def _role_and_entity() -> tuple[Role, Entity | None]:
    role_text = request.form.get("role", "")
    if role_text not in {r.value for r in Role}:
        raise ValidationFailed({"role": "is not a role"})
    role = Role(role_text)
    code = request.form.get("entity", "").strip()
    entity = None if role in SYSTEM_ROLES or not code else entity_by_code(session(), code[:16])
    return role, entity


def _render_users(**extra: object) -> str:
    db = session()
    return render_template(
        "admin/users.html",
        users=list_users(db),
        roles=list(Role),
        entities=list(db.scalars(select(Entity).order_by(Entity.code))),
        **extra,
    )


@blueprint.get("/users")
@admin_required
def users() -> str:
    """List users with their roles."""
    return _render_users()


@blueprint.post("/users")
@admin_required
def users_create() -> str:
    """Create a user; shows the one-time password and TOTP URI once."""
    role, entity = _role_and_entity()
    credentials = create_user(
        session(),
        totp_box(app_keys()),
        request.form.get("username", "")[:80],
        role,
        entity,
        now(),
        display_name=request.form.get("display_name", "")[:200],
        email=request.form.get("email", "")[:254],
    )
    _audit("admin.user_create")
    session().commit()
    return _render_users(credentials=credentials)


@blueprint.post("/users/<int:user_id>/disable")
@admin_required
def users_disable(user_id: int) -> BaseResponse:
    """Disable a user; their sessions end at once."""
    disable(session(), get_user(session(), user_id), now())
    _audit("admin.user_disable")
    session().commit()
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<int:user_id>/password")
@admin_required
def users_password(user_id: int) -> str:
    """Reset a user's password; shows the one-time password once."""
    user = get_user(session(), user_id)
    password = reset_password(session(), user, now())
    _audit("admin.password_reset")
    session().commit()
    return _render_users(reset_user=user.username, reset_password=password)


@blueprint.post("/users/<int:user_id>/totp")
@admin_required
def users_totp(user_id: int) -> str:
    """Reset a user's second factor; shows the new provisioning URI once."""
    user = get_user(session(), user_id)
    uri = reset_totp(session(), totp_box(app_keys()), user, now())
    _audit("admin.totp_reset")
    session().commit()
    return _render_users(reset_user=user.username, reset_uri=uri)


@blueprint.post("/users/<int:user_id>/grants")
@admin_required
def users_grant(user_id: int) -> BaseResponse:
    """Give a user a role."""
    role, entity = _role_and_entity()
    grant_role(session(), get_user(session(), user_id), role, entity)
    _audit("admin.role_grant")
    session().commit()
    return redirect(url_for("admin.users"))


@blueprint.post("/users/<int:user_id>/grants/<int:grant_id>/delete")
@admin_required
def users_revoke(user_id: int, grant_id: int) -> BaseResponse:
    """Take a role away from a user."""
    revoke_grant(session(), get_user(session(), user_id), grant_id)
    _audit("admin.role_revoke")
    session().commit()
    return redirect(url_for("admin.users"))


@blueprint.get("/sessions")
@admin_required
def sessions() -> str:
    """List live sessions."""
    rows = live_sessions(session(), now(), session_policy())
    return render_template("admin/sessions.html", rows=rows, profile=app_settings().profile)


@blueprint.post("/sessions/<int:session_id>/end")
@admin_required
def sessions_end(session_id: int) -> BaseResponse:
    """End one session; it stops working on its next request."""
    row = session().get(StaffSession, session_id)
    if row is None:
        raise NotFound(f"session {session_id}")
    end_session(session(), row.id, "ended_by_admin", now())
    _audit("admin.session_end")
    session().commit()
    return redirect(url_for("admin.sessions"))
