"""The portal blueprint: thin views over the portal services, with their own session and CSRF.

Staff sessions and their CSRF hook never apply here (the /portal prefix is exempt from them):
the portal has its own cookie (`cw_portal`, SameSite=Strict, HttpOnly), server-side session
rows, and a CSRF token bound to the portal session, or before sign-in to a random cookie.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from casework.boundary import app_keyring, app_keys, app_settings, now, session
from casework.errors import ValidationFailed
from casework.portal import services
from casework.portal.catalogue import LANGUAGE_NAMES, LANGUAGES, best_language, direction, translate
from casework.portal.forms import FormRejected, read_choices, read_message, read_report
from casework.receipts import sessions as access
from casework.receipts.models import PortalSession

blueprint = Blueprint(
    "portal",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SESSION_COOKIE = "cw_portal"
PRE_COOKIE = "cw_portal_pre"
LANG_COOKIE = "cw_portal_lang"
CSRF_FIELD = "csrf_token"
NOTICES = frozenset({"message_sent", "retaliation_sent", "saved", "signed_out", "expired"})
CSRF_EXEMPT_ENDPOINTS = frozenset({"portal.quick_exit", "portal.static"})


def exit_url() -> str:
    """The neutral site the quick-exit control leaves for (CASEWORK_PORTAL_EXIT_URL)."""
    return app_settings().portal_exit_url


def _signed_in() -> PortalSession | None:
    row: PortalSession | None = g.get("portal_session")
    return row


def _csrf_basis() -> str:
    token: str | None = g.get("portal_token")
    if token and _signed_in() is not None:
        return "s|" + token
    pre: str | None = g.get("portal_pre") or request.cookies.get(PRE_COOKIE)
    if not pre or len(pre) > 100:
        pre = secrets.token_urlsafe(24)
        g.portal_set_pre = pre
    g.portal_pre = pre
    return "p|" + pre


def csrf_token() -> str:
    """The CSRF token of this portal visitor (bound to the portal session once signed in)."""
    key = app_keyring().session_secret
    return hmac.new(key, ("portal-csrf|" + _csrf_basis()).encode(), sha256).hexdigest()


@blueprint.before_request
def _load_portal_state() -> None:
    g.portal_now = now()
    g.portal_lang = best_language(
        [
            request.args.get("lang"),
            request.cookies.get(LANG_COOKIE),
            request.accept_languages.best_match(LANGUAGES),
        ]
    )
    token = request.cookies.get(SESSION_COOKIE)
    g.portal_session = None
    if token and len(token) < 100:
        g.portal_token = token
        g.portal_session = access.load_session(session(), token, g.portal_now)
        g.portal_expired = g.portal_session is None
        session().commit()
    if request.method == "POST" and request.endpoint not in CSRF_EXEMPT_ENDPOINTS:
        sent = request.form.get(CSRF_FIELD, "")
        if not sent or not hmac.compare_digest(sent, csrf_token()):
            abort(400, "The form has expired. Go back, reload the page and try again.")


@blueprint.after_request
def _portal_cookies(response: Response) -> Response:
    secure = app_settings().cookie_secure
    options: dict[str, Any] = {
        "secure": secure,
        "httponly": True,
        "samesite": "Strict",
        "path": "/portal",
    }
    if g.get("portal_set_pre"):
        response.set_cookie(PRE_COOKIE, g.portal_set_pre, **options)
    if g.get("portal_new_token"):
        response.set_cookie(SESSION_COOKIE, g.portal_new_token, **options)
    elif g.get("portal_clear") or g.get("portal_expired"):
        response.delete_cookie(SESSION_COOKIE, **options)
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, request.args["lang"], max_age=365 * 86400, **options)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@blueprint.context_processor
def _portal_context() -> dict[str, Any]:
    lang: str = g.get("portal_lang", "en")
    return {
        "t": lambda key: translate(key, lang),
        "lang": lang,
        "text_direction": direction(lang),
        "languages": LANGUAGE_NAMES,
        "exit_url": exit_url(),
        "portal_csrf": csrf_token,
        "signed_in": _signed_in() is not None,
    }


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(f"portal/{template}", **context), status


@blueprint.get("/")
def sign_in_form() -> BaseResponse | tuple[str, int]:
    """The sign-in page (receipt code and passphrase)."""
    if _signed_in() is not None:
        return redirect(url_for("portal.case"))
    notice = request.args.get("notice")
    return _page("signin.html", notice=notice if notice in NOTICES else None)


@blueprint.post("/signin")
def sign_in() -> BaseResponse | tuple[str, int] | Response:
    """Check the receipt code and passphrase; open a portal session."""
    code = request.form.get("code", "")[:64]
    passphrase = request.form.get("passphrase", "")[:256]
    address = request.remote_addr or "unknown"
    result = access.sign_in(session(), app_keys(), code, passphrase, address, g.portal_now)
    session().commit()
    if result.throttled:
        body, status = _page("signin.html", 429, error="throttled")
        response = current_app.make_response((body, status))
        response.headers["Retry-After"] = str(result.retry_after_seconds)
        return response
    if result.token is None:
        return _page("signin.html", 401, error="bad_credentials")
    previous: str | None = g.get("portal_token")
    if previous:  # rotate: a session opened before this sign-in never outlives it
        access.end_session(session(), previous, g.portal_now)
        session().commit()
    g.portal_new_token = result.token
    return redirect(url_for("portal.case"), code=303)


@blueprint.get("/report")
def report_form() -> tuple[str, int]:
    """The online report form, in any of the six languages."""
    return _page("report.html", entities=services.portal_entities(session()), form={}, errors={})


@blueprint.post("/report")
def report() -> tuple[str, int]:
    """Register a report in the chosen entity's intake; show the receipt code once."""
    entities = services.portal_entities(session())
    try:
        new_report = read_report(request.form, {e.id for e in entities}, g.portal_lang)
        credentials = services.submit_report(session(), app_keys(), new_report, g.portal_now)
    except (FormRejected, ValidationFailed) as error:
        session().rollback()
        errors = error.errors if isinstance(error, FormRejected) else {"form": "form_errors"}
        return _page("report.html", 400, entities=entities, form=request.form, errors=errors)
    session().commit()
    return _page("receipt.html", code=credentials.code, passphrase=credentials.passphrase)


def _require_session() -> PortalSession:
    row = _signed_in()
    if row is None:
        abort(redirect(url_for("portal.sign_in_form", notice="expired")))
    return row


def _case_page(status: int = 200, **context: Any) -> tuple[str, int]:
    row = _require_session()
    view = services.portal_status(session(), app_keys(), row.case_id, row.party_id, g.portal_now)
    choices = services.current_choices(session(), row.party_id)
    context.setdefault("errors", {})
    notice = request.args.get("notice")
    return _page(
        "case.html",
        status,
        status_view=view,
        choices=choices,
        notice=notice if notice in NOTICES else None,
        **context,
    )


@blueprint.get("/case")
def case() -> tuple[str, int]:
    """The signed-in person's case: stage, on track, next update, messages, choices."""
    return _case_page()


def _done(notice: str) -> BaseResponse:
    return redirect(url_for("portal.case", notice=notice), code=303)


@blueprint.post("/case/message")
def message() -> BaseResponse | tuple[str, int]:
    """Send a message or question to the case team."""
    row = _require_session()
    try:
        text = read_message(request.form)
    except FormRejected as error:
        return _case_page(400, errors=error.errors)
    services.send_message(session(), app_keys(), row.case_id, row.party_id, text, g.portal_now)
    session().commit()
    return _done("message_sent")


@blueprint.post("/case/retaliation")
def retaliation() -> BaseResponse | tuple[str, int]:
    """Report retaliation: a priority step and an alert to the case team."""
    row = _require_session()
    try:
        text = read_message(request.form)
    except FormRejected as error:
        return _case_page(400, errors={"retaliation": error.errors["message"]})
    services.report_retaliation(
        session(), app_keys(), row.case_id, row.party_id, text, g.portal_now
    )
    session().commit()
    return _done("retaliation_sent")


@blueprint.post("/case/choices")
def choices() -> BaseResponse | tuple[str, int]:
    """Record consent, channels, language, quiet hours and unsafe channels."""
    row = _require_session()
    try:
        chosen = read_choices(request.form, request.form.getlist("channels"))
    except FormRejected as error:
        return _case_page(400, errors=error.errors)
    services.update_choices(session(), row.case_id, row.party_id, chosen, g.portal_now)
    session().commit()
    return _done("saved")


@blueprint.post("/signout")
def sign_out() -> BaseResponse:
    """End the portal session and forget it in this browser."""
    token: str | None = g.get("portal_token")
    if token:
        access.end_session(session(), token, g.portal_now)
        session().commit()
    g.portal_clear = True
    response = redirect(url_for("portal.sign_in_form", notice="signed_out"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "cookies"'
    return response


@blueprint.post("/exit")
def quick_exit() -> BaseResponse:
    """Quick exit (sent by the page script): end the session, then go to the neutral site."""
    token: str | None = g.get("portal_token")
    if token:
        access.end_session(session(), token, g.portal_now)
        session().commit()
    g.portal_clear = True
    return redirect(exit_url(), code=303)
