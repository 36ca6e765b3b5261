"""The `casework` command line: init, demo, keys, cases, the embedded stack, and Flask's own."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from casework.commands.audit import audit_group
from casework.commands.generate import generate_command
from casework.commands.identity import (
    demo_code_command,
    sessions_group,
    users_group,
)
from casework.commands.keys import keys_group
from casework.commands.lifecycle import demo_command, init_command, shred_command, up_command
from casework.commands.outbox import outbox_group
from casework.commands.oversight import releases_group, tokens_group
from casework.commands.portal import portal_group
from casework.config import load_settings
from casework.errors import CaseworkError


def _create_app() -> Flask:
    from casework.app import create_app

    return create_app(load_settings())


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Casework: case management for sexual-harassment investigations."""


cli.add_command(init_command)
cli.add_command(demo_command)
cli.add_command(up_command)
cli.add_command(shred_command)
cli.add_command(keys_group)
cli.add_command(outbox_group)
cli.add_command(audit_group)
cli.add_command(users_group)
cli.add_command(sessions_group)
cli.add_command(demo_code_command)
cli.add_command(tokens_group)
cli.add_command(releases_group)
cli.add_command(portal_group)
cli.add_command(generate_command)


def main() -> None:
    """Run the command line; configuration errors end with one clear line and exit code 2."""
    try:
        cli.main(prog_name="casework", standalone_mode=True)
    except CaseworkError as error:
        click.echo(f"casework: error: {error}", err=True)
        sys.exit(2)
