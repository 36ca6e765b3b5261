"""Commands for staff accounts: users create/disable, sessions end, demo-code."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.audit.services import record_audit
from casework.boundary import app_keys, app_settings, now, session
from casework.errors import NotFound, ValidationFailed
from casework.identity.models import Role
from casework.identity.signin import (
    current_totp,
    disable_user,
    end_user_sessions,
    totp_box,
    totp_secret,
    user_by_name,
)
from casework.identity.users import SYSTEM_ROLES, create_user, entity_by_code

CLI_SOURCE = "cli"


@click.group("users")
def users_group() -> None:
    """Create and disable staff accounts."""


@users_group.command("create")
@click.argument("username")
@click.option(
    "--entity", "entity_code", default=None, help="Entity code (not for admin/oversight)."
)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--display-name", default="")
@click.option("--email", default="")
@with_appcontext
def users_create(
    username: str, entity_code: str | None, role: str, display_name: str, email: str
) -> None:
    """Create a user; prints a one-time password and the TOTP provisioning URI."""
    db = session()
    the_role = Role(role)
    try:
        entity = (
            None if the_role in SYSTEM_ROLES or not entity_code else entity_by_code(db, entity_code)
        )
        credentials = create_user(
            db, totp_box(app_keys()), username, the_role, entity, now(), display_name, email
        )
    except (NotFound, ValidationFailed) as error:
        raise click.ClickException(str(error)) from None
    record_audit(db, None, "admin.user_create", None, CLI_SOURCE, now())
    db.commit()
    click.echo(f"user {credentials.user_id} created")
    click.echo(f"one-time password: {credentials.password}")
    click.echo(f"TOTP provisioning URI: {credentials.totp_uri}")


@users_group.command("disable")
@click.argument("username")
@with_appcontext
def users_disable(username: str) -> None:
    """Disable a user and end their sessions."""
    db = session()
    try:
        user = user_by_name(db, username)
    except NotFound:
        raise click.ClickException(f"no user {username!r}") from None
    disable_user(db, user, now())
    record_audit(db, None, "admin.user_disable", None, CLI_SOURCE, now())
    db.commit()
    click.echo(f"user {user.id} disabled")


@click.group("sessions")
def sessions_group() -> None:
    """Manage staff sessions."""


@sessions_group.command("end")
@click.argument("username")
@with_appcontext
def sessions_end(username: str) -> None:
    """End every session of a user (they must sign in again)."""
    db = session()
    try:
        user = user_by_name(db, username)
    except NotFound:
        raise click.ClickException(f"no user {username!r}") from None
    count = end_user_sessions(db, user.id, "ended_by_admin", now())
    record_audit(db, None, "admin.session_end", None, CLI_SOURCE, now())
    db.commit()
    click.echo(f"{count} session(s) of user {user.id} ended")


@click.command("demo-code")
@click.argument("username")
@with_appcontext
def demo_code_command(username: str) -> None:
    """Print a demo user's current second-factor code (embedded profile only)."""
    if app_settings().profile != "embedded":
        raise click.ClickException("demo-code works only in the embedded (demo) profile")
    try:
        user = user_by_name(session(), username)
    except NotFound:
        raise click.ClickException(f"no user {username!r}") from None
    secret = totp_secret(user, totp_box(app_keys()))
    if secret is None:
        raise click.ClickException(f"user {username!r} has no second factor")
    click.echo(current_totp(secret, now()))
