"""Need-to-know pages of a case: assignments, conflicts of interest, break-glass."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from casework.boundary import now, session
from casework.errors import ValidationFailed
from casework.identity.access import (
    AccessChange,
    AccessRefused,
    assign,
    assignments_of,
    break_glass,
    can,
    case_for_user,
    entity_staff,
    exclude,
    exclusions_of,
    unassign,
)
from casework.identity.models import AssignmentRole, Role
from casework.identity.users import get_user
from casework.web.auth import client_address, current_actor, login_required

blueprint = Blueprint("access", __name__, url_prefix="/access", template_folder="templates")


def _form_int(name: str) -> int:
    text = request.form.get(name, "")
    if not text.isdigit() or len(text) > 12:
        raise ValidationFailed({name: "must be a number"})
    return int(text)


def _change() -> AccessChange:
    return AccessChange(current_actor(), client_address(), now())


@blueprint.get("/cases/<int:case_id>")
@login_required
def case_access(case_id: int) -> str:
    """Show who is assigned to and excluded from a case (ids and user names only)."""
    user = current_actor()
    db = session()
    case = case_for_user(db, user, case_id, "access.view", client_address(), now())
    staff = (
        entity_staff(db, case.entity_id, (Role.INVESTIGATOR, Role.SUPERVISOR, Role.DECISION_MAKER))
        if can(user, "case.assign", case)
        else []
    )
    return render_template(
        "access/case.html",
        case=case,
        assignments=assignments_of(db, case_id),
        exclusions=exclusions_of(db, case_id),
        staff=staff,
        roles=list(AssignmentRole),
        may_assign=can(user, "case.assign", case),
    )


@blueprint.post("/cases/<int:case_id>/assign")
@login_required
def case_assign(case_id: int) -> BaseResponse | tuple[str, int]:
    """Assign a user to a case; a conflict of interest is refused and audited."""
    change = _change()
    db = session()
    case = case_for_user(db, change.actor, case_id, "assignment.change", change.source, change.now)
    role_text = request.form.get("role", "")
    if role_text not in {r.value for r in AssignmentRole}:
        raise ValidationFailed({"role": "is not a case role"})
    try:
        assign(db, change, case, get_user(db, _form_int("user_id")), AssignmentRole(role_text))
    except AccessRefused as refused:
        db.commit()  # keep the audit of the refused attempt; nothing else changed
        return render_template("error.html", status=400, title="Refused", detail=str(refused)), 400
    db.commit()
    return redirect(url_for("access.case_access", case_id=case_id))


@blueprint.post("/cases/<int:case_id>/assignments/<int:assignment_id>/end")
@login_required
def case_unassign(case_id: int, assignment_id: int) -> BaseResponse:
    """End an assignment."""
    change = _change()
    db = session()
    case = case_for_user(db, change.actor, case_id, "assignment.change", change.source, change.now)
    unassign(db, change, case, assignment_id)
    db.commit()
    return redirect(url_for("access.case_access", case_id=case_id))


@blueprint.post("/cases/<int:case_id>/exclude")
@login_required
def case_exclude(case_id: int) -> BaseResponse:
    """Record a conflict of interest (one's own, or a supervisor's decision for another)."""
    change = _change()
    db = session()
    case = case_for_user(db, change.actor, case_id, "exclusion.declare", change.source, change.now)
    user_id = _form_int("user_id") if request.form.get("user_id") else change.actor.id
    exclude(db, change, case, get_user(db, user_id), request.form.get("reason", "")[:2001])
    db.commit()
    if user_id == change.actor.id:
        return redirect(url_for("home.index"))
    return redirect(url_for("access.case_access", case_id=case_id))


@blueprint.get("/break-glass")
@login_required
def break_glass_form() -> str:
    """Show the break-glass form (a case id and a written reason)."""
    return render_template("access/break_glass.html")


@blueprint.post("/break-glass")
@login_required
def break_glass_post() -> BaseResponse:
    """Open a case of one's entity in an emergency; audited and alerted to the entity head."""
    change = _change()
    db = session()
    case_id = _form_int("case_id")
    break_glass(db, change, case_id, request.form.get("reason", "")[:2001])
    db.commit()
    return redirect(url_for("access.case_access", case_id=case_id))
