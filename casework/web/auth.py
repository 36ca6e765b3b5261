"""Staff authentication for Flask: server-side sessions, sign-in with TOTP, CSRF, login_required.

Public API for other blueprints: `login_required`, `current_actor()` (id and grants, for access
checks), `current_user()` (the user's row, loaded on first use), `client_address()`,
`csrf_token()` (also in templates) and `check_csrf()`, which `install_auth` enforces for every
unsafe method outside CSRF_EXEMPT_PREFIXES. The actor is read when the request starts: a view
that changes the signed-in user's own grants must redirect before checking access again. The staff session cookie holds a random token; the
database holds its SHA-256 only, so ending the row ends the session on the next request.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import ParamSpec, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SessionInterface
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Request as BaseRequest
from werkzeug.wrappers import Response as BaseResponse

from casework.audit.services import DENIED, PENDING_FLAG, record_audit
from casework.boundary import app_keyring, app_keys, app_settings, now, session
from casework.crypto import constant_time_equal, hmac_hex
from casework.db import only_read
from casework.identity.access import CaseNotVisible
from casework.identity.actor import Actor
from casework.identity.models import RoleGrant, StaffSession, StaffUser
from casework.identity.signin import (
    LiveSession,
    SessionPolicy,
    SignInRefused,
    change_password,
    check_password,
    check_second_factor,
    complete_sign_in,
    end_session,
    find_live_session,
    new_recovery_codes,
    start_session,
    totp_box,
    touch_session,
)
from casework.notifications.digests import digest_enabled, set_daily_digest

SESSION_COOKIE = "casework_staff"
PRE_SESSION_COOKIE = "casework_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Paths with their own authentication: token-authenticated API, the affected-person portal.
CSRF_EXEMPT_PREFIXES = ("/api/", "/portal")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

P = ParamSpec("P")
R = TypeVar("R")

blueprint = Blueprint("auth", __name__, template_folder="templates")


def client_address() -> str:
    """Return the client address for audit and throttling (never the URL or its query)."""
    return (request.remote_addr or "unknown")[:64]


def session_policy() -> SessionPolicy:
    """Return the idle and absolute session lifetimes from settings."""
    settings = app_settings()
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def _exempt() -> bool:
    return request.path.startswith(CSRF_EXEMPT_PREFIXES)


def current_actor() -> Actor:
    """Return who is signed in (second factor given), for access checks; under `login_required`."""
    actor = g.get("staff_actor")
    if actor is None:
        abort(401)
    return cast(Actor, actor)


_USER_WITH_GRANTS = (joinedload(StaffUser.grants).joinedload(RoleGrant.entity),)


def current_user() -> StaffUser:
    """Return the signed-in user's row (loaded on first use); use under `login_required`."""
    user = g.get("staff_user")
    if user is None:
        # Pages that need the row read the grants' entities too (dashboard, intake): one query.
        user = session().get(StaffUser, current_actor().id, options=_USER_WITH_GRANTS)
        if user is None:
            abort(401)
        g.staff_user = user
    return cast(StaffUser, user)


def _live_session() -> LiveSession | None:
    """This request's live session (signed in or awaiting the second factor), if any."""
    return cast(LiveSession | None, g.get("live_session"))


def _awaits_code() -> bool:
    """Whether this request's session awaits the second factor."""
    live = _live_session()
    return live is not None and live.second_factor_at is None


def _pending_session() -> StaffSession | None:
    """The session's row while it awaits the second factor."""
    live = _live_session()
    if live is None or live.second_factor_at is not None:
        return None
    return session().get(StaffSession, live.id)


def login_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Require a fully signed-in user: pages redirect to sign-in, /api answers 401 JSON."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
        if g.get("staff_actor") is None:
            if request.path.startswith("/api/"):
                response = jsonify({"error": "Unauthorized", "detail": "sign in first"})
                response.status_code = 401
                return response
            return redirect(url_for("auth.sign_in", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def _csrf_basis() -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        return "s|" + token
    nonce = g.get("pre_session") or request.cookies.get(PRE_SESSION_COOKIE)
    if not nonce or len(nonce) > 100:
        nonce = secrets.token_urlsafe(24)
        g.pre_session = nonce
    return "p|" + nonce


def csrf_token_for_session(session_token: str) -> str:
    """Return the CSRF token of a staff session cookie value (tests and API clients)."""
    return hmac_hex(app_keyring().session_secret, "csrf|s|" + session_token)


def csrf_token() -> str:
    """Return the CSRF token for forms of this browser session (a hidden `csrf_token` field)."""
    return hmac_hex(app_keyring().session_secret, "csrf|" + _csrf_basis())


def check_csrf() -> None:
    """Abort with 400 unless the request carries this session's CSRF token."""
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    basis_cookie = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE)
    if not sent or not basis_cookie or not constant_time_equal(sent, csrf_token()):
        abort(400, description="The form has expired or did not come from this site; reload it.")


def _set_session_cookie(response: BaseResponse, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        secure=app_settings().cookie_secure,
        httponly=True,
        samesite="Lax",
        path="/",
    )


def _load_session() -> None:
    g.staff_actor = None
    g.staff_user = None
    g.live_session = None
    if _exempt():
        return
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    db = session()
    moment = now()
    live = find_live_session(db, token, session_policy(), moment)
    if live is None:
        db.commit()  # a timeout may have ended the row
        return
    g.live_session = live
    if live.second_factor_at is None:
        return
    if touch_session(db, live, moment):
        db.commit()
    g.staff_actor = live.actor


class NoCookieSession(SessionInterface):
    """Flask's signed-cookie session, switched off: sessions here are rows (staff, portal).

    Flask would otherwise build a signing serializer and look for its cookie on every request;
    anything that writes to `flask.session` now fails loudly instead of setting a cookie.
    """

    def open_session(self, app: Flask, request: BaseRequest) -> None:
        """No session: Flask hands out its read-only null session."""
        return None

    def save_session(self, app: Flask, session: object, response: BaseResponse) -> None:
        """Nothing to save."""
        return None


def install_auth(app: Flask) -> None:
    """Install session loading, CSRF enforcement, audit commits and the 404 for hidden cases."""
    app.session_interface = NoCookieSession()

    @app.before_request
    def _before() -> None:
        _load_session()
        if request.method in _UNSAFE and not _exempt():
            check_csrf()

    @app.after_request
    def _after(response: Response) -> Response:
        nonce = g.get("pre_session")
        if nonce:
            response.set_cookie(
                PRE_SESSION_COOKIE,
                nonce,
                secure=app_settings().cookie_secure,
                httponly=True,
                samesite="Lax",
                path="/",
            )
        # Reads of case content are audited; a successful GET commits its audit entries. A
        # successful GET that only read commits too: the same as a rollback in the database,
        # but psycopg keeps the connection's prepared statements (a rollback drops them all).
        db = session()
        audited = db.info.pop(PENDING_FLAG, False)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code < 400
            and (audited or only_read(db))
        ):
            db.commit()
        return response

    @app.errorhandler(CaseNotVisible)
    def _hidden(error: CaseNotVisible) -> tuple[Response | str, int]:
        db = session()
        db.rollback()
        record_audit(
            db, error.actor_id, error.action, error.case_id, error.source, error.now, DENIED
        )
        db.commit()
        detail = "There is nothing here, or you may not see it."
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify({"error": "Not found", "detail": detail}), 404
        return render_template("error.html", status=404, title="Not found", detail=detail), 404

    app.jinja_env.globals["csrf_token"] = csrf_token


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@blueprint.get("/sign-in")
def sign_in() -> str:
    """Show the sign-in form."""
    return render_template(
        "auth/sign_in.html",
        next=request.args.get("next", ""),
        demo=app_settings().profile == "embedded",
    )


@blueprint.post("/sign-in")
def sign_in_post() -> BaseResponse | tuple[str, int]:
    """Check user name and password; on success open a session awaiting the second factor."""
    db = session()
    moment = now()
    username = request.form.get("username", "")[:80]
    try:
        user = check_password(
            db, username, request.form.get("password", "")[:256], client_address(), moment
        )
    except SignInRefused as refused:
        db.commit()  # keep the failed attempt for throttling
        return render_template(
            "auth/sign_in.html",
            error=str(refused),
            next=request.form.get("next", ""),
            demo=app_settings().profile == "embedded",
        ), 401
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        live = find_live_session(db, old, session_policy(), moment)
        if live is not None:
            end_session(db, live.id, "replaced", moment)
    token = start_session(db, user, client_address(), moment)
    db.commit()
    response = redirect(url_for("auth.second_factor", next=_safe_next(request.form.get("next"))))
    _set_session_cookie(response, token)
    return response


@blueprint.get("/sign-in/code")
def second_factor() -> BaseResponse | str:
    """Show the second-factor form (TOTP or recovery code)."""
    if not _awaits_code():
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/code.html", next=request.args.get("next", ""))


@blueprint.post("/sign-in/code")
def second_factor_post() -> BaseResponse | tuple[str, int]:
    """Check the second factor; on success rotate the session id and sign in."""
    pending = _pending_session()
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    db = session()
    moment = now()
    try:
        check_second_factor(
            db,
            totp_box(app_keys()),
            pending.user,
            request.form.get("code", "")[:40],
            client_address(),
            moment,
        )
    except SignInRefused as refused:
        db.commit()
        return render_template(
            "auth/code.html", error=str(refused), next=request.form.get("next", "")
        ), 401
    token = complete_sign_in(db, pending, moment)
    record_audit(db, pending.user_id, "auth.sign_in", None, client_address(), moment)
    db.commit()
    response = redirect(_safe_next(request.form.get("next")))
    _set_session_cookie(response, token)
    return response


@blueprint.post("/sign-out")
def sign_out() -> BaseResponse:
    """End the current session (signed-in or pending)."""
    live = _live_session()
    if live is not None:
        end_session(session(), live.id, "sign_out", now())
        session().commit()
    response = redirect(url_for("auth.sign_in"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


DIGEST_CHOICES = {"on": True, "off": False}


def _account_page(status: int = 200, digest_error: str | None = None) -> tuple[str, int]:
    user = current_user()
    page = render_template(
        "auth/account.html",
        user=user,
        digest=digest_enabled(session(), user.id),
        digest_saved=request.args.get("saved") == "digest",
        digest_error=digest_error,
    )
    return page, status


@blueprint.get("/account")
@login_required
def account() -> tuple[str, int]:
    """Show the account page: change password, recovery codes, the daily digest choice."""
    return _account_page()


@blueprint.post("/account/digest")
@login_required
def account_digest() -> BaseResponse | tuple[str, int]:
    """Opt in to or out of the daily digest of amber alerts; audited, nothing else changes."""
    choice = DIGEST_CHOICES.get(request.form.get("daily_digest", ""))
    if choice is None:
        return _account_page(400, "Choose how you want amber alerts: one by one, or daily.")
    set_daily_digest(session(), current_user().id, choice, client_address(), now())
    session().commit()
    return redirect(url_for("auth.account", saved="digest"), code=303)


@blueprint.post("/account/password")
@login_required
def account_password() -> BaseResponse | tuple[str, int]:
    """Change one's password; every session ends and this browser gets a fresh one."""
    user = current_user()
    db = session()
    moment = now()
    change_password(
        db,
        user,
        request.form.get("current_password", "")[:256],
        request.form.get("new_password", "")[:300],
        moment,
    )
    # Every session ended with the change; this browser gets a new, signed-in one.
    token = start_session(db, user, client_address(), moment, second_factor_given=True)
    record_audit(db, user.id, "auth.password_change", None, client_address(), moment)
    db.commit()
    response = redirect(url_for("auth.account"))
    _set_session_cookie(response, token)
    return response


@blueprint.post("/account/recovery-codes")
@login_required
def account_recovery_codes() -> str:
    """Issue fresh recovery codes, shown once."""
    user = current_user()
    codes = new_recovery_codes(session(), user, now())
    session().commit()
    return render_template("auth/recovery_codes.html", codes=codes)
