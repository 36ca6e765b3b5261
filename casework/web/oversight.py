"""Charts for oversight bodies at /oversight/: the API token is posted in a form, never in a URL.

Authentication is the oversight token (the same as the API's), so oversight bodies need no staff
account; the page renders the newest release of each scope the token may read.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from casework.boundary import now, session
from casework.oversight.services import authenticate_token
from casework.statistics.models import Release
from casework.statistics.release import release_tables, visible_releases
from casework.web.oversight_charts import release_charts

blueprint = Blueprint("oversight", __name__, url_prefix="/oversight", template_folder="templates")


@blueprint.get("/")
def token_form() -> str:
    """Ask for the oversight token."""
    return render_template("oversight/token.html", error=None)


@blueprint.post("/")
def charts() -> tuple[str, int] | str:
    """Render the charts of the newest release of each scope the posted token may read."""
    secret = request.form.get("token", "").strip()
    token = authenticate_token(session(), secret, now()) if secret else None
    if token is None:
        error = "The token is unknown, expired or revoked."
        return render_template("oversight/token.html", error=error), 401
    newest: dict[str, Release] = {}
    for release in visible_releases(session(), token.scope_list):
        newest.setdefault(release.scope, release)
    sections = [(release, release_charts(release_tables(release))) for release in newest.values()]
    return render_template("oversight/charts.html", sections=sections)
