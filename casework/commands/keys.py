"""Key commands: status, rotate (resumable), retire."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from casework.boundary import app_keyring, now, session
from casework.keys.services import keys_pending_rewrap, keys_wrapped_with, rewrap_batch


@click.group("keys")
def keys_group() -> None:
    """Manage key-encryption keys."""


@keys_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show KEK versions and how many data keys each wraps."""
    keyring = app_keyring()
    for version, state in keyring.kek_states().items():
        count = keys_wrapped_with(session(), version)
        click.echo(f"KEK {version}: {state}, wraps {count} data keys")


@keys_group.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--pause",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 60),
    help="Seconds to wait between batches, to spare a busy database.",
)
@with_appcontext
def rotate_command(batch_size: int, pause: float) -> None:
    """Re-wrap every data key with a new KEK; rerun to resume an interrupted rotation."""
    keyring = app_keyring()
    db_session = session()
    if keys_pending_rewrap(db_session, keyring) == 0:
        version = keyring.add_kek_version(now())
        click.echo(f"created KEK version {version}")
    else:
        click.echo(f"resuming rotation to KEK version {keyring.active_kek_version()}")
    done = 0
    while count := rewrap_batch(db_session, keyring, batch_size, now()):
        db_session.commit()
        done += count
        click.echo(f"re-wrapped {done} data keys")
        time.sleep(pause)
    db_session.commit()
    remaining = keys_pending_rewrap(db_session, keyring)
    click.echo(f"rotation: {done} re-wrapped, {remaining} remaining")


@keys_group.command("retire")
@click.argument("version", type=int)
@with_appcontext
def retire_command(version: int) -> None:
    """Destroy an old KEK version once no data key is wrapped with it."""
    remaining = keys_wrapped_with(session(), version)
    if remaining:
        raise click.ClickException(
            f"KEK {version} still wraps {remaining} data keys: run `casework keys rotate` first"
        )
    app_keyring().retire_kek_version(version, now())
    click.echo(f"KEK version {version} retired")
