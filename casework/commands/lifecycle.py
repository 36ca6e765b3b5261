"""Commands that set up and run the service: init, demo, up, shred."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.boundary import app_keys, now, session
from casework.cases.retention import shred_case
from casework.cases.services import find_case_by_reference
from casework.commands.stack import run_embedded_stack
from casework.config import load_settings
from casework.crypto import LocalKeyring
from casework.errors import NotFound


def initialise(create_demo: bool = False) -> list[str]:
    """Create the instance folder, keys and database schema; return what was done."""
    from flask_migrate import upgrade

    from casework.app import create_app
    from casework.demo import demo_loaded, load_demo

    settings = load_settings()
    done: list[str] = []
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    if not settings.keyring_path.exists():
        LocalKeyring.create(settings.keyring_path, now())
        done.append(f"created keyring {settings.keyring_path}")
    app = create_app(settings)
    with app.app_context():
        upgrade()
        done.append("database schema at head")
        if create_demo and not demo_loaded(session()):
            summary = load_demo(session(), app_keys(), now())
            session().commit()
            done.append(f"demo data loaded: {summary}")
    return done


@click.command("init")
def init_command() -> None:
    """Create keys (if missing) and bring the database schema to head."""
    for line in initialise():
        click.echo(line)


@click.command("demo")
def demo_command() -> None:
    """Initialise if needed and load realistic demo data (two entities, every stage)."""
    for line in initialise(create_demo=True):
        click.echo(line)


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def up_command(host: str, port: int) -> None:
    """Start the embedded stack (web, worker, beat) with demo data, until Ctrl-C."""
    for line in initialise(create_demo=True):
        click.echo(line)
    raise SystemExit(run_embedded_stack(host, port))


@click.command("shred")
@click.option("--entity-id", required=True, type=int)
@click.argument("reference")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def shred_command(entity_id: int, reference: str, yes: bool) -> None:
    """Crypto-shred one case: destroy its data key and encrypted rows."""
    try:
        case = find_case_by_reference(session(), app_keys(), entity_id, reference)
    except NotFound:
        raise click.ClickException("no such case in that entity") from None
    if not yes:
        click.confirm(f"Shred case {case.id}? This cannot be undone", abort=True)
    shred_case(session(), case, now())
    session().commit()
    click.echo(f"case {case.id} shredded")
