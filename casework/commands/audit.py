"""Commands for the audit trail: verify the hash chain, export it for an oversight body."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from casework.audit.services import export_lines, verify_chain
from casework.boundary import session


@click.group("audit")
def audit_group() -> None:
    """Verify and export the hash-chained audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the whole chain; name the first entry edited, deleted, inserted or reordered."""
    report = verify_chain(session())
    if report.ok:
        click.echo(f"audit chain intact: {report.entries} entries")
        return
    click.echo(f"audit chain BROKEN at entry {report.first_bad_seq}: {report.reason}", err=True)
    raise SystemExit(1)


@audit_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def audit_export(path: Path) -> None:
    """Write the chain as JSON lines; see docs/audit.md to verify it independently."""
    count = 0
    with path.open("w", encoding="utf-8") as stream:
        for line in export_lines(session()):
            stream.write(line + "\n")
            count += 1
    click.echo(f"{count} entries written to {path}")
