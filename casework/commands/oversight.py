"""Oversight commands: bearer tokens for the statistics API, and statistics releases."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.boundary import now, session
from casework.oversight.services import MAX_DAYS, create_token, list_tokens, revoke_token
from casework.statistics.release import build_all_releases, build_release


@click.group("tokens")
def tokens_group() -> None:
    """Manage oversight bodies' API tokens."""


@tokens_group.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help='"system" and/or an entity code; repeat for several.',
)
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, MAX_DAYS))
@with_appcontext
def create_command(name: str, scopes: tuple[str, ...], days: int) -> None:
    """Create a token and print it once: it is stored only as a hash."""
    issued = create_token(session(), name, scopes, days, now())
    session().commit()
    record = issued.record
    click.echo(f"token {record.id} ({record.name}) scopes={record.scopes} ")
    click.echo(f"expires {record.expires_at:%Y-%m-%d}; it is shown only now:")
    click.echo(issued.secret)


@tokens_group.command("list")
@with_appcontext
def list_command() -> None:
    """List tokens (never their secrets)."""
    moment = now()
    for record in list_tokens(session()):
        if record.revoked_at is not None:
            state = "revoked"
        elif not record.is_valid(moment):
            state = "expired"
        else:
            state = "active"
        click.echo(
            f"{record.id}\t{record.name}\t{record.scopes}\t{state}\t"
            f"expires {record.expires_at:%Y-%m-%d}"
        )


@tokens_group.command("revoke")
@click.argument("token_id", type=click.IntRange(1))
@with_appcontext
def revoke_command(token_id: int) -> None:
    """Revoke a token at once."""
    record = revoke_token(session(), token_id, now())
    session().commit()
    click.echo(f"token {record.id} revoked")


@click.group("releases")
def releases_group() -> None:
    """Build statistics releases for oversight bodies."""


@releases_group.command("build")
@click.option("--year", type=click.IntRange(1900, 9999), help="Default: the last complete year.")
@click.option("--scope", help='"system" or an entity code; default: every scope.')
@with_appcontext
def build_command(year: int | None, scope: str | None) -> None:
    """Publish the releases of a year (idempotent: an existing release is kept as it is)."""
    moment = now()
    if scope:
        releases = [build_release(session(), moment, scope, year=year)]
    else:
        releases = build_all_releases(session(), moment, year=year)
    session().commit()
    for release in releases:
        click.echo(
            f"release {release.id}: scope {release.scope} v{release.version} "
            f"{release.period_label} sha256 {release.content_hash}"
        )
