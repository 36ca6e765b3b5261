"""`casework generate`: add synthetic cases through the real keys and timeline rules."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from casework.boundary import app_keys, now
from casework.extensions import db
from casework.synthetic.generate import GenerationPlan, default_workers, generate


def _instant(value: str | None) -> datetime:
    if value is None:
        return now().replace(minute=0, second=0, microsecond=0)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use an ISO 8601 instant, e.g. 2026-11-25T12:00:00+00:00"
        ) from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-25T12:00:00+00:00")
    return parsed.astimezone(UTC)


@click.command("generate")
@click.option("--cases", required=True, type=click.IntRange(1, 20_000_000), help="Cases to add.")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same cases.")
@click.option("--now", "at", default=None, help="The instant the data is seen from (ISO 8601).")
@click.option("--span-days", default=6 * 365, show_default=True, type=click.IntRange(30, 36_500))
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Processes (CPUs).")
@with_appcontext
def generate_command(
    cases: int, seed: int, at: str | None, span_days: int, workers: int | None
) -> None:
    """Add synthetic entities, staff and cases in every stage, with their whole history."""
    plan = GenerationPlan(
        cases=cases,
        seed=seed,
        now=_instant(at),
        span_days=span_days,
        workers=workers or default_workers(),
    )
    last_shown = [0]

    def show(done: int, total: int) -> None:
        if done - last_shown[0] >= max(total // 20, 1) or done == total:
            last_shown[0] = done
            click.echo(f"  {done:,} of {total:,} cases", err=True)

    report = generate(db.engine, app_keys(), plan, progress=show)
    rate = report.cases_added / report.seconds if report.seconds else 0.0
    click.echo(
        f"added {report.cases_added:,} synthetic cases (seed {seed}, {report.cases_before:,} "
        f"before) in {report.seconds:.1f} s: {rate:,.0f} cases/s"
    )
