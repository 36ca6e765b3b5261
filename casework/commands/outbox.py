"""Outbox commands for administrators: list failed deliveries, retry one."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.boundary import now, session
from casework.notifications.outbox import failed_rows, retry_failed


@click.group("outbox")
def outbox_group() -> None:
    """Inspect and retry notification deliveries."""


@outbox_group.command("list")
@click.option("--failed", "only_failed", is_flag=True, required=True, help="Failed rows only.")
@with_appcontext
def list_command(only_failed: bool) -> None:
    """List deliveries that failed after their last retry (ids and codes only)."""
    rows = failed_rows(session())
    for row in rows:
        click.echo(
            f"{row.id}\t{row.kind.value}\tcase={row.case_id}\tchannel={row.channel}\t"
            f"attempts={row.attempts}\terror={row.last_error}\tcreated={row.created_at:%Y-%m-%dT%H:%MZ}"
        )
    click.echo(f"{len(rows)} failed")


@outbox_group.command("retry")
@click.argument("outbox_id", type=int)
@with_appcontext
def retry_command(outbox_id: int) -> None:
    """Give a failed delivery a fresh set of attempts (the relay picks it up)."""
    row = retry_failed(session(), outbox_id, now())
    session().commit()
    click.echo(f"outbox {row.id} queued for retry")
