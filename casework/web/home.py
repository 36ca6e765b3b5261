"""The landing page of the staff application."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("home", __name__, template_folder="templates")


@blueprint.get("/")
def index() -> str:
    """Show what this service is and where to sign in."""
    return render_template("home.html")
