"""Web figures under gunicorn: logging a step through the real form, and a 200-step case page.

Both are measured against bench/baseline_app.py served by the same gunicorn configuration on the
same PostgreSQL, with load from a separate process (bench/load.py), in interleaved repetitions
whose medians are reported.
"""

from __future__ import annotations

import statistics
import tempfile
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, update

from bench import baseline_app
from bench.browser import Browser
from bench.context import BenchContext
from bench.load import LoadResult, LoadSpec, Request, run_load
from bench.report import Figure
from bench.seed import BenchUser, assign_lead, bench_app, new_case, new_entity, new_staff
from bench.servers import (
    Service,
    cpu_snapshot,
    cpu_used,
    free_port,
    production_env,
    start_gunicorn,
)
from casework.boundary import app_keys, now, session
from casework.cases.models import CaseStep
from casework.cases.services import log_step
from casework.identity.models import Role, StaffUser
from casework.notifications.models import Outbox, OutboxStatus

# A message from the affected person raises an alert for the case owner: besides validation,
# encryption, the audit entry and the step's events, every request writes an outbox row.
STEP_KIND = "message_from_affected"
STEP_NARRATIVE = (
    "Called to say the subject approached her again near the lifts on Tuesday; she asks that "
    "interviews be scheduled outside office hours."
)
PAGE_STEPS = 200
PAGE_KINDS = ("note", "interview", "evidence_received", "contact_affected")
P99_TARGET_MS = 50.0
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Sizes:
    """How long and how often to measure."""

    connections: int
    duration: float
    warmup: float
    repetitions: int
    page_duration: float


QUICK = Sizes(connections=16, duration=4.0, warmup=1.0, repetitions=3, page_duration=3.0)
FULL = Sizes(connections=16, duration=10.0, warmup=2.0, repetitions=5, page_duration=8.0)


@dataclass(frozen=True)
class World:
    """What the benchmark made: users (one per connection), their cases and the page case."""

    users: list[BenchUser]
    case_ids: list[int]
    page_case_id: int


def _prepare(app: Flask, connections: int) -> World:
    """Make an entity, a supervisor, one investigator and case per connection, a 200-step case."""
    with app.app_context():
        db, keys, moment = session(), app_keys(), now()
        entity = new_entity(db, moment, "BW")
        code = entity.code.lower()
        boss = new_staff(db, keys, entity, Role.SUPERVISOR, f"{code}.supervisor", moment)
        supervisor = db.get(StaffUser, boss.id)
        assert supervisor is not None
        users, case_ids = [], []
        for number in range(connections):
            user = new_staff(db, keys, entity, Role.INVESTIGATOR, f"{code}.inv{number}", moment)
            case = new_case(db, keys, entity, boss.id, moment, number)
            investigator = db.get(StaffUser, user.id)
            assert investigator is not None
            assign_lead(db, supervisor, case, investigator, moment)
            users.append(user)
            case_ids.append(case.id)
        page_case = new_case(db, keys, entity, boss.id, moment, connections)
        first = db.get(StaffUser, users[0].id)
        assert first is not None
        assign_lead(db, supervisor, page_case, first, moment)
        for number in range(PAGE_STEPS):
            log_step(
                db,
                keys,
                page_case,
                PAGE_KINDS[number % len(PAGE_KINDS)],
                f"Step {number + 1} of {PAGE_STEPS}. {STEP_NARRATIVE}",
                moment - timedelta(minutes=PAGE_STEPS - number),
                users[0].id,
                moment,
            )
        db.commit()
        return World(users, case_ids, page_case.id)


def _seed_baseline(database_url: str, moment: datetime) -> None:
    """Create the baseline's table with a 200-row page in group 0."""
    baseline_app.create_table(database_url)
    app = baseline_app.create_baseline_app(database_url)
    with app.app_context():
        database = baseline_app.db
        for number in range(PAGE_STEPS):
            database.session.add(
                baseline_app.Row(
                    group_id=0,
                    kind=PAGE_KINDS[number % len(PAGE_KINDS)],
                    occurred_at=moment.replace(tzinfo=None)
                    - timedelta(minutes=PAGE_STEPS - number),
                    recorded_at=moment.replace(tzinfo=None),
                    narrative=f"Step {number + 1} of {PAGE_STEPS}. {STEP_NARRATIVE}",
                )
            )
        database.session.commit()
        database.session.remove()
        for engine in database.engines.values():
            engine.dispose()


def _step_body(csrf: str, occurred_at: str) -> str:
    return urllib.parse.urlencode(
        {
            "csrf_token": csrf,
            "kind": STEP_KIND,
            "occurred_at": occurred_at,
            "narrative": STEP_NARRATIVE,
        }
    )


def _signed_in(port: int, world: World) -> list[Browser]:
    """Sign every benchmark user in through the real forms (password, then TOTP)."""
    browsers = []
    for user in world.users:
        browser = Browser(port)
        browser.sign_in(user.username, user.password, user.totp_secret)
        browsers.append(browser)
    return browsers


def _check_page(browser: Browser, case_id: int) -> None:
    """The case page shows all 200 steps decrypted (a wrong page would make the figure void)."""
    page = browser.get(f"/cases/{case_id}")
    shown = sum(f"Step {n + 1} of {PAGE_STEPS}." in page.text for n in range(PAGE_STEPS))
    if page.status != 200 or shown != PAGE_STEPS:
        raise RuntimeError(f"case page answered {page.status} showing {shown} of {PAGE_STEPS}")


def _interleaved(
    repetitions: int, first: Callable[[], LoadResult], second: Callable[[], LoadResult]
) -> tuple[list[LoadResult], list[LoadResult]]:
    """Alternate which runs first, so drift on a shared machine hits both alike."""
    a: list[LoadResult] = []
    b: list[LoadResult] = []
    for repetition in range(repetitions):
        if repetition % 2 == 0:
            a.append(first())
            b.append(second())
        else:
            b.append(second())
            a.append(first())
    for result in a + b:
        if result.unexpected:
            raise RuntimeError(f"unexpected answers during the benchmark: {result.statuses}")
    return a, b


def _stop_all(servers: list[Service]) -> None:
    for server in servers:
        server.stop()


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


@dataclass(frozen=True)
class CpuPerRequest:
    """Milliseconds of CPU per request in the server's processes and in PostgreSQL (if local)."""

    server_ms: float
    database_ms: float | None

    @classmethod
    def of(cls, used: tuple[float, float | None], requests: int) -> CpuPerRequest:
        """From CPU seconds over a run (warm-up included) and the requests it answered."""
        server, database = used
        return cls(
            server * 1000 / requests, None if database is None else database * 1000 / requests
        )


def _cpu_text(runs: list[CpuPerRequest]) -> str:
    """Median CPU per request over runs, as 'web X ms + PostgreSQL Y ms'."""
    if not runs:
        return "not measured"
    server = _median([r.server_ms for r in runs])
    known = [r.database_ms for r in runs if r.database_ms is not None]
    database = f"{_median(known):.2f} ms" if known else "not local"
    return f"web {server:.2f} ms + PostgreSQL {database}"


def _retire_outbox(app: Flask, case_ids: list[int]) -> int:
    """Cancel the alerts the benchmark's steps queued, so no later run delivers them."""
    with app.app_context():
        result = session().execute(
            update(Outbox)
            .where(Outbox.case_id.in_(case_ids), Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED)
        )
        session().commit()
        return int(getattr(result, "rowcount", 0))


def _steps_logged(app: Flask, case_ids: list[int]) -> int:
    with app.app_context():
        count = session().scalar(
            select(func.count()).select_from(CaseStep).where(CaseStep.case_id.in_(case_ids))
        )
        session().rollback()
        return int(count or 0)


def run(context: BenchContext) -> list[Figure]:
    """Measure both web figures against the baseline app; return four or five figures."""
    sizes = QUICK if context.quick else FULL
    app = bench_app(context)
    world = _prepare(app, sizes.connections)
    moment = now()
    occurred = (moment - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder, ExitStack() as stack:
        _seed_baseline(context.database_url, moment)
        stack.callback(baseline_app.drop_table, context.database_url)
        stack.callback(_retire_outbox, app, [*world.case_ids, world.page_case_id])
        env = production_env(context)
        real_port, base_port = free_port(), free_port()
        servers: list[Service] = []
        stack.callback(_stop_all, servers)
        log_dir = Path(folder)
        servers.append(start_gunicorn("web-casework", "casework.wsgi:app", real_port, env, log_dir))
        base_env = {**env, baseline_app.DATABASE_URL_ENV: context.database_url}
        servers.append(
            start_gunicorn("web-baseline", "bench.baseline_app:app", base_port, base_env, log_dir)
        )
        browsers = _signed_in(real_port, world)
        _check_page(browsers[0], world.page_case_id)
        steps_before = _steps_logged(app, world.case_ids)
        real_requests = [
            Request(
                "POST",
                f"/cases/{case_id}/steps",
                {"Cookie": browser.cookie_header(), "Content-Type": FORM},
                _step_body(browser.csrf(f"/cases/{case_id}"), occurred),
            )
            for browser, case_id in zip(browsers, world.case_ids, strict=True)
        ]
        base_requests = [
            Request("POST", f"/groups/{group + 1}/rows", {"Content-Type": FORM}, r.body)
            for group, r in enumerate(real_requests)
        ]

        server_pids = {real_port: servers[0].process.pid, base_port: servers[1].process.pid}
        cpu: dict[int, list[CpuPerRequest]] = {real_port: [], base_port: []}

        def load(port: int, requests: list[Request], rate: float | None = None) -> LoadResult:
            """One run of the step form (or the baseline's insert) at saturation or a rate."""
            spec = LoadSpec(port, requests, sizes.duration, sizes.warmup, rate, expect=(302,))
            before = cpu_snapshot(server_pids[port])
            result = run_load(spec)
            if rate is None and result.total_expected:
                used = cpu_used(before, cpu_snapshot(server_pids[port]))
                cpu[port].append(CpuPerRequest.of(used, result.total_expected))
            return result

        real, base = _interleaved(
            sizes.repetitions,
            lambda: load(real_port, real_requests),
            lambda: load(base_port, base_requests),
        )
        paced: list[LoadResult] = []
        base_paced: list[LoadResult] = []
        real_rate = _median([r.throughput for r in real])
        real_p99 = _median([r.percentile(0.99) for r in real])
        if real_p99 > P99_TARGET_MS:
            # The baseline paced at half its own saturation: the machine's floor for that p99.
            base_rate = _median([r.throughput for r in base])
            paced, base_paced = _interleaved(
                sizes.repetitions,
                lambda: load(real_port, real_requests, rate=real_rate / 2),
                lambda: load(base_port, base_requests, rate=base_rate / 2),
            )
        steps_after = _steps_logged(app, world.case_ids)
        answered = sum(r.total_expected for r in real + paced)
        if steps_after - steps_before != answered:
            raise RuntimeError(
                f"{answered} step requests answered 302 but {steps_after - steps_before} logged"
            )

        page_user = browsers[0]

        def page(port: int, path: str, cookie: str) -> LoadResult:
            """One run of page requests on a single connection."""
            headers = {"Cookie": cookie} if cookie else {}
            spec = LoadSpec(
                port, [Request("GET", path, headers)], sizes.page_duration, sizes.warmup
            )
            return run_load(spec)

        real_pages, base_pages = _interleaved(
            sizes.repetitions,
            lambda: page(real_port, f"/cases/{world.page_case_id}", page_user.cookie_header()),
            lambda: page(base_port, "/groups/0", ""),
        )
    cpu_note = f"CPU per request: {_cpu_text(cpu[real_port])}; baseline {_cpu_text(cpu[base_port])}"
    runs = Runs(real, base, paced, base_paced, real_pages, base_pages)
    return _figures(context, sizes, runs, cpu_note)


@dataclass(frozen=True)
class Runs:
    """Every load run of one size: the form and baseline saturated and paced, both pages."""

    real: list[LoadResult]
    base: list[LoadResult]
    paced: list[LoadResult]
    base_paced: list[LoadResult]
    real_pages: list[LoadResult]
    base_pages: list[LoadResult]


def _paced_note(rate: float, runs: Runs, connections: int, repeated: str) -> str:
    """How the paced runs went, with the baseline paced at half its own saturation."""
    note = (
        f"paced (open loop) at {rate:.0f} req/s over {connections} connections, latency from "
        f"each request's due time; p50 {_median([r.percentile(0.5) for r in runs.paced]):.1f} ms"
    )
    if runs.base_paced:
        base_rate = _median([r.throughput for r in runs.base]) / 2
        note += (
            f"; the baseline app paced at half its own saturation ({base_rate:.0f} req/s): p99 "
            f"{_median([r.percentile(0.99) for r in runs.base_paced]):.1f} ms, p50 "
            f"{_median([r.percentile(0.5) for r in runs.base_paced]):.1f} ms"
        )
    return f"{note}; {repeated}"


def _figures(context: BenchContext, sizes: Sizes, runs: Runs, cpu_note: str) -> list[Figure]:
    """Turn the runs into figures (medians of the repetitions)."""
    real, base, paced = runs.real, runs.base, runs.paced
    real_pages, base_pages = runs.real_pages, runs.base_pages
    connections = sizes.connections
    repeated = f"median of {sizes.repetitions} runs of {sizes.duration:g} s"
    real_rate = _median([r.throughput for r in real])
    base_rate = _median([r.throughput for r in base])
    real_p99 = _median([r.percentile(0.99) for r in real])
    base_p99 = _median([r.percentile(0.99) for r in base])
    figures = [
        Figure(
            name="web: log a step (form, 16 connections), throughput",
            cases=context.cases,
            value=real_rate,
            unit="req/s",
            baseline_name="minimal Flask + marshmallow insert",
            baseline_value=base_rate,
            direction="at_least",
            target=0.5,
            note=f"gunicorn gthread, production profile, {connections} keep-alive connections, "
            f"closed loop; {repeated}; {cpu_note}",
        ),
        Figure(
            name="web: log a step, p99 at saturation",
            cases=context.cases,
            value=real_p99,
            unit="ms",
            baseline_name="target",
            baseline_value=P99_TARGET_MS,
            direction="at_most",
            target=1.0,
            note=f"closed loop at {real_rate:.0f} req/s with {connections} connections (mean "
            f"latency is {connections}/throughput); p50 "
            f"{_median([r.percentile(0.5) for r in real]):.1f} ms; baseline app p99 "
            f"{base_p99:.1f} ms at {base_rate:.0f} req/s",
        ),
    ]
    if paced:
        rate = real_rate / 2
        figures.append(
            Figure(
                name="web: log a step, p99 at half saturation",
                cases=context.cases,
                value=_median([r.percentile(0.99) for r in paced]),
                unit="ms",
                baseline_name="target",
                baseline_value=P99_TARGET_MS,
                direction="at_most",
                target=1.0,
                note=_paced_note(rate, runs, connections, repeated),
            )
        )
    figures.append(
        Figure(
            name="web: case page, 200 steps decrypted, median latency",
            cases=context.cases,
            value=_median([r.percentile(0.5) for r in real_pages]),
            unit="ms",
            baseline_name="200 plaintext rows, Flask-SQLAlchemy + Jinja",
            baseline_value=_median([r.percentile(0.5) for r in base_pages]),
            direction="at_most",
            target=2.0,
            note=f"one connection, signed in (audited read); p99 "
            f"{_median([r.percentile(0.99) for r in real_pages]):.1f} ms vs "
            f"{_median([r.percentile(0.99) for r in base_pages]):.1f} ms; median of "
            f"{sizes.repetitions} runs of {sizes.page_duration:g} s",
        )
    )
    return figures
