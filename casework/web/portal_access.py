"""Re-issuing portal access after the case team checked the person's identity offline.

The new receipt code and passphrase are shown once, on the POST response (never cached); the
old code stops working and every portal session of the case ends. Who may: the case team that
deals with the affected person (intake officers, assigned investigators, supervisors); anyone
else gets 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from casework.boundary import app_keys, now, session
from casework.cases.models import Case, Party
from casework.identity.access import CaseNotVisible, can, case_for_user
from casework.receipts.credentials import (
    IDENTITY_CHECKS,
    Credentials,
    has_live_access,
    portal_parties,
    reissue_portal_access,
)
from casework.web.auth import client_address, current_actor, login_required

blueprint = Blueprint("portal_access", __name__, url_prefix="/cases", template_folder="templates")

PERMISSION = "portal.reissue"
IDENTITY_CHECK_LABELS = {
    "in_person": "In person, with an identity document",
    "video_call": "On a video call, with an identity document shown",
    "call_back": "By calling back a telephone number already on the case file",
    "trusted_intermediary": "Through an intermediary the case team already knows and trusts",
}
# The domain owns the codes; this page only words them.
assert set(IDENTITY_CHECK_LABELS) == set(IDENTITY_CHECKS)


@blueprint.app_template_global("may_reissue_portal")
def may_reissue_portal(case: Case) -> bool:
    """Tell the case page whether to offer the re-issue link to the signed-in user."""
    return can(current_actor(), PERMISSION, case)


def _case(case_id: int, action: str) -> Case:
    user, moment, source = current_actor(), now(), client_address()
    case = case_for_user(session(), user, case_id, action, source, moment)
    if not can(user, PERMISSION, case):
        raise CaseNotVisible(user.id, case_id, action, source, moment)
    if case.shredded_at is not None:
        abort(410, description=f"Case {case_id} was crypto-shredded under the retention policy.")
    return case


def _page(
    case: Case,
    parties: list[Party],
    status: int = 200,
    errors: dict[str, str] | None = None,
    credentials: Credentials | None = None,
) -> tuple[str, int, dict[str, str]]:
    page = render_template(
        "cases/portal_access.html",
        case=case,
        parties=[(p, has_live_access(session(), p.id)) for p in parties],
        checks=IDENTITY_CHECK_LABELS,
        errors=errors or {},
        chosen=request.form if errors else {},
        credentials=credentials,
    )
    return page, status, {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _read_form(parties: list[Party]) -> tuple[int, str, dict[str, str]]:
    errors: dict[str, str] = {}
    party_text = request.form.get("party_id", "")
    party_id = int(party_text) if party_text.isdigit() and len(party_text) <= 12 else 0
    if party_id not in {p.id for p in parties}:
        errors["party_id"] = "choose whose portal access to re-issue"
    check = request.form.get("identity_check", "")
    if check not in IDENTITY_CHECK_LABELS:
        errors["identity_check"] = "choose how you checked the person's identity"
    if request.form.get("identity_confirmed") != "yes":
        errors["identity_confirmed"] = "confirm that you checked the person's identity offline"
    return party_id, check, errors


@blueprint.get("/<int:case_id>/portal-access")
@login_required
def form(case_id: int) -> tuple[str, int, dict[str, str]]:
    """Show the re-issue form: whose access, how identity was checked, a confirmation."""
    case = _case(case_id, "portal_access.view")
    return _page(case, portal_parties(session(), case.id))


@blueprint.post("/<int:case_id>/portal-access")
@login_required
def reissue(case_id: int) -> tuple[str, int, dict[str, str]] | BaseResponse:
    """Revoke the old code, end the case's portal sessions, show new credentials once."""
    case = _case(case_id, "portal_access.reissue")
    parties = portal_parties(session(), case.id)
    party_id, check, errors = _read_form(parties)
    if errors:
        session().rollback()
        return _page(case, parties, 400, errors)
    credentials = reissue_portal_access(
        session(),
        app_keys(),
        case.id,
        party_id,
        current_actor().id,
        now(),
        identity_check=check,
        source=client_address(),
    )
    session().commit()
    return _page(case, parties, credentials=credentials)
