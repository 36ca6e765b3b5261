"""Investigator pages: my cases, intake, the case page and evidence download. Views only
orchestrate: they read forms, call services, commit once and render."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from casework.boundary import app_keys, now, session
from casework.cases.dashboard import SORTS, Rag, dashboard_rows
from casework.cases.evidence import read_evidence
from casework.cases.evidence_models import EvidenceFile
from casework.cases.models import Priority, Stage
from casework.cases.services import open_case, open_cases_matching_email
from casework.errors import ValidationFailed
from casework.identity.access import can, case_for_user, visible_cases
from casework.identity.models import Entity, StaffUser
from casework.web.auth import client_address, current_actor, current_user, login_required
from casework.web.case_forms import (
    CATEGORIES,
    CHANNELS,
    field_for_service_error,
    parse_intake,
)
from casework.web.case_pages import render_case_page

blueprint = Blueprint("cases", __name__, url_prefix="/cases", template_folder="templates")


def _intake_entities(user: StaffUser) -> list[Entity]:
    entities = {g.entity_id: g.entity for g in user.grants if g.entity is not None}
    return [e for e in entities.values() if can(user, "case.open", e)]


@blueprint.get("/")
@login_required
def dashboard() -> str:
    """List the cases the user may see, late ones first, with filters and sorting."""
    user = current_user()
    stage = request.args.get("stage") or None
    rag = request.args.get("status") or None
    sort = request.args.get("sort") or "urgency"
    stage_filter = Stage(stage) if stage in {s.value for s in Stage} else None
    rag_filter = Rag(rag) if rag in {r.value for r in Rag} else None
    rows = dashboard_rows(
        session(),
        app_keys(),
        visible_cases(session(), user, now()),
        now(),
        stage=stage_filter,
        rag=rag_filter,
        sort=sort if sort in SORTS else "urgency",
    )
    return render_template(
        "cases/dashboard.html",
        rows=rows,
        stages=list(Stage),
        rags=[Rag.RED, Rag.AMBER, Rag.GREEN, Rag.NONE],
        sorts=SORTS,
        chosen={"stage": stage or "", "status": rag or "", "sort": sort},
        may_open=bool(_intake_entities(user)),
    )


def _render_intake(
    user: StaffUser,
    errors: dict[str, str] | None = None,
    warning: list[int] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "cases/intake.html",
        entity_options=[(str(e.id), e.name) for e in _intake_entities(user)],
        categories=CATEGORIES,
        channels=CHANNELS,
        priority_options=[(p.value, p.value.capitalize()) for p in Priority],
        errors=errors or {},
        values=request.form if request.method == "POST" else {},
        duplicates=warning or [],
        now=now(),
    ), status


@blueprint.get("/new")
@login_required
def intake() -> tuple[str, int]:
    """Show the form to register a report."""
    user = current_user()
    if not _intake_entities(user):
        abort(404)
    return _render_intake(user)


@blueprint.post("/new")
@login_required
def intake_post() -> BaseResponse | tuple[str, int]:
    """Register a report as a new case; warn first if a party's e-mail is in another open case."""
    user = current_user()
    entities = {str(e.id): e for e in _intake_entities(user)}
    if not entities:
        abort(404)
    errors: dict[str, str] = {}
    entity = entities.get(request.form.get("entity_id", "")) or (
        next(iter(entities.values())) if len(entities) == 1 else None
    )
    if entity is None:
        errors["entity_id"] = "choose the entity the report is for"
    intake_form = parse_intake(request.form, errors)
    if errors or intake_form is None or entity is None:
        return _render_intake(user, errors, status=400)
    db, keys, moment = session(), app_keys(), now()
    if request.form.get("confirm_duplicate") != "yes":
        matches = sorted(
            {
                case_id
                for party in intake_form.new_case.parties
                if party.email
                for case_id in open_cases_matching_email(db, keys, entity.id, party.email, None)
            }
        )
        if matches:
            return _render_intake(user, warning=matches, status=409)
    try:
        case = open_case(db, keys, entity, intake_form.new_case, user.id, moment)
    except ValidationFailed as failed:
        db.rollback()
        mapped = {
            field_for_service_error(key, intake_form.party_prefixes): reason
            for key, reason in failed.errors.items()
        }
        return _render_intake(user, mapped, status=400)
    db.commit()
    return redirect(url_for("cases.case_page", case_id=case.id))


@blueprint.get("/<int:case_id>")
@login_required
def case_page(case_id: int) -> tuple[str, int]:
    """Show a case: parties, steps, stage history, deadlines, checklist and forms."""
    user = current_actor()
    case = case_for_user(session(), user, case_id, "case.read", client_address(), now())
    if case.shredded_at is not None:
        abort(410, description=f"Case {case_id} was crypto-shredded under the retention policy.")
    return render_case_page(session(), case, user, now())


@blueprint.get("/<int:case_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(case_id: int, evidence_id: int) -> Response:
    """Send an evidence file as an attachment with its server-made name; never cached."""
    user = current_actor()
    db = session()
    case = case_for_user(db, user, case_id, "evidence.download", client_address(), now())
    evidence = db.get(EvidenceFile, evidence_id)
    if evidence is None or evidence.case_id != case.id:
        abort(404)
    content = read_evidence(db, app_keys(), evidence)
    response = Response(content, mimetype=evidence.media_type.split(";")[0])
    if evidence.media_type.startswith("text/"):
        response.headers["Content-Type"] = evidence.media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{evidence.stored_name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
