"""Portal commands: re-issue an affected person's receipt code and passphrase."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from casework.boundary import app_keys, now, session
from casework.cases.models import Party, PartyRole
from casework.errors import NotFound
from casework.identity.models import StaffUser
from casework.receipts.credentials import IDENTITY_CHECKS, reissue_portal_access


@click.group("portal")
def portal_group() -> None:
    """Manage the affected person's portal access."""


@portal_group.command("reissue")
@click.argument("case_id", type=int)
@click.option("--by", "username", required=True, help="The staff member who checked identity.")
@click.option(
    "--checked",
    "identity_check",
    required=True,
    type=click.Choice(IDENTITY_CHECKS),
    help="How the person's identity was checked offline.",
)
@with_appcontext
def reissue_command(case_id: int, username: str, identity_check: str) -> None:
    """Revoke the old code and passphrase of a case's affected person and print new ones once."""
    db = session()
    actor = db.scalar(select(StaffUser).where(StaffUser.username == username))
    if actor is None or not actor.is_active:
        raise click.ClickException("no active staff user by that name")
    party_id = db.scalar(
        select(Party.id)
        .where(Party.case_id == case_id, Party.role == PartyRole.AFFECTED)
        .order_by(Party.id)
    )
    if party_id is None:
        raise click.ClickException(f"case {case_id} has no affected person on record")
    try:
        credentials = reissue_portal_access(
            db,
            app_keys(),
            case_id,
            party_id,
            actor.id,
            now(),
            identity_check=identity_check,
            source="cli",
        )
    except NotFound:
        raise click.ClickException(f"case {case_id} not found") from None
    db.commit()
    click.echo("Hand these over in person; they are shown once and never stored in clear.")
    click.echo(f"receipt code: {credentials.code}")
    click.echo(f"passphrase:   {credentials.passphrase}")
