"""Building a statistics release beside hand-written SQL computing the same groups and medians.

The release reads grouped counts and a stage-duration histogram, then applies the rules in Python
(pooling, protection, medians). The baseline is raw PostgreSQL doing the same grouping: counts per
entity and quarter, category, outcome and delivery, open at each quarter end, events in the
window, and per stage (and quarter, and the whole year) ``percentile_cont(0.5)`` of the days and
the number within target. Each build runs in a transaction that is rolled back, so it can repeat.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from bench.context import BenchContext
from bench.report import Figure
from bench.timing import interleaved_medians
from casework.guidance import available_versions
from casework.statistics.disclosure_durations import weeks
from casework.statistics.disclosure_rounding import percentage
from casework.statistics.disclosure_suppression import protect_tables
from casework.statistics.models import SYSTEM_SCOPE
from casework.statistics.queries import window_counts
from casework.statistics.release import (
    build_all_releases,
    build_release,
    release_tables,
    reporting_year,
)
from casework.statistics.tables import (
    TIMED_STAGES,
    Window,
    build_labels,
    count_tables,
    stage_target_days,
)

TARGET = 2.0
TARGET_CASES = 1_000_000  # "building a statistics release over 1,000,000 cases"
_COUNTS = {
    "received": """
        SELECT e.code, c.category, extract(quarter FROM c.opened_at AT TIME ZONE 'UTC')::int,
               count(*)
        FROM cases c JOIN entities e ON e.id = c.entity_id
        WHERE c.opened_at >= :start AND c.opened_at < :end GROUP BY 1, 2, 3""",
    "closed": """
        SELECT e.code, c.outcome, extract(quarter FROM c.closed_at AT TIME ZONE 'UTC')::int,
               count(*)
        FROM cases c JOIN entities e ON e.id = c.entity_id
        WHERE c.closed_at >= :start AND c.closed_at < :end GROUP BY 1, 2, 3""",
    "open": """
        SELECT e.code, count(*),
               count(*) FILTER (WHERE c.opened_at < :q1 AND (c.closed_at IS NULL OR c.closed_at >= :q1)),
               count(*) FILTER (WHERE c.opened_at < :q2 AND (c.closed_at IS NULL OR c.closed_at >= :q2)),
               count(*) FILTER (WHERE c.opened_at < :q3 AND (c.closed_at IS NULL OR c.closed_at >= :q3)),
               count(*) FILTER (WHERE c.opened_at < :end AND (c.closed_at IS NULL OR c.closed_at >= :end))
        FROM cases c JOIN entities e ON e.id = c.entity_id
        WHERE c.opened_at < :end AND (c.closed_at IS NULL OR c.closed_at >= :start) GROUP BY 1""",
    "clock_stops": """
        SELECT e.code, extract(quarter FROM s.started_at AT TIME ZONE 'UTC')::int, count(*)
        FROM clock_stops s JOIN cases c ON c.id = s.case_id JOIN entities e ON e.id = c.entity_id
        WHERE s.status = 'approved' AND s.started_at >= :start AND s.started_at < :end
        GROUP BY 1, 2""",
    "extensions": """
        SELECT e.code, extract(quarter FROM x.decided_at AT TIME ZONE 'UTC')::int, count(*)
        FROM extensions x JOIN cases c ON c.id = x.case_id JOIN entities e ON e.id = c.entity_id
        WHERE x.status = 'approved' AND x.decided_at >= :start AND x.decided_at < :end
        GROUP BY 1, 2""",
    "alerts": """
        SELECT e.code, extract(quarter FROM a.raised_at AT TIME ZONE 'UTC')::int, count(*)
        FROM deadline_alerts a JOIN cases c ON c.id = a.case_id JOIN entities e ON e.id = c.entity_id
        WHERE a.raised_at >= :start AND a.raised_at < :end GROUP BY 1, 2""",
    "milestones": """
        SELECT e.code, CASE WHEN d.status = 'withheld' THEN 'withheld'
                            WHEN d.sent_at <= d.due_at THEN 'on_time' ELSE 'late' END, count(*)
        FROM disclosures d JOIN cases c ON c.id = d.case_id JOIN entities e ON e.id = c.entity_id
        WHERE d.due_at >= :start AND d.due_at < :end GROUP BY 1, 2""",
}
# Stages left in the window, with whole days and the target pinned by the case's guidance;
# grouped per stage and quarter and per stage for the year (and per entity when asked).
_DURATIONS = """
WITH history AS (
    SELECT e.code, c.guidance_version, s.to_stage, s.changed_at,
           lead(s.changed_at) OVER (PARTITION BY s.case_id ORDER BY s.changed_at, s.id) AS left_at
    FROM stage_changes s JOIN cases c ON c.id = s.case_id JOIN entities e ON e.id = c.entity_id
    WHERE c.opened_at < :end AND s.changed_at < :end
), stages AS (
    SELECT h.code, h.to_stage::text AS stage,
           extract(quarter FROM h.left_at AT TIME ZONE 'UTC')::int AS quarter,
           greatest(0, floor(extract(epoch FROM h.left_at - h.changed_at) / 86400)) AS days,
           t.days AS target
    FROM history h JOIN (VALUES {targets}) AS t(version, stage, days)
         ON t.version = h.guidance_version AND t.stage = h.to_stage::text
    WHERE h.left_at >= :start AND h.left_at < :end
)
SELECT {code}, stage, quarter, percentile_cont(0.5) WITHIN GROUP (ORDER BY days), count(*),
       count(*) FILTER (WHERE days <= target)
FROM stages GROUP BY GROUPING SETS ({sets})
"""
_SYSTEM_SETS = {"code": "NULL::text", "sets": "(stage, quarter), (stage)"}
_ENTITY_SETS = {
    "code": "code",
    "sets": "(stage, quarter), (stage), (code, stage, quarter), (code, stage)",
}


def run(context: BenchContext) -> list[Figure]:
    """Time the system release (and all releases) of the latest year against raw SQL."""
    year = reporting_year(context.now)
    window = Window(year)
    engine = create_engine(context.database_url)
    durations_sql = _durations_sql(engine)
    params = _params(window)
    repeats = 3 if context.quick else 5

    def system() -> None:
        with Session(engine) as session:
            build_release(session, context.now, SYSTEM_SCOPE, year=year)
            session.rollback()

    def every() -> None:
        with Session(engine) as session:
            build_all_releases(session, context.now, year=year)
            session.rollback()

    def raw(sets: dict[str, str]) -> None:
        with engine.connect() as connection:
            _raw(connection, durations_sql.format(**sets), params)

    note = _same_work(engine, context, window, durations_sql, params)
    protect = _protection_seconds(engine, window)
    note += f"; protection (pure Python, size-independent) {protect * 1000:,.0f} ms"
    # The target is set on a release over 1,000,000 cases; below that the fixed cost of the
    # protection dominates and the figure only shows how the cost grows.
    target = TARGET if context.cases >= TARGET_CASES else None
    if target is None:
        note += f"; target applies at {TARGET_CASES:,} cases"
    system_seconds, system_raw = interleaved_medians(system, lambda: raw(_SYSTEM_SETS), repeats)
    every_seconds, every_raw = interleaved_medians(every, lambda: raw(_ENTITY_SETS), repeats)
    engine.dispose()
    return [
        Figure(
            "statistics release (system)",
            context.cases,
            system_seconds * 1000,
            "ms",
            "raw SQL, same groups and medians",
            system_raw * 1000,
            "at_most",
            target,
            note,
        ),
        Figure(
            "statistics releases (system + entities)",
            context.cases,
            every_seconds * 1000,
            "ms",
            "raw SQL, same groups and medians",
            every_raw * 1000,
            "at_most",
            target,
            note,
        ),
    ]


def _params(window: Window) -> dict[str, Any]:
    quarters = window.quarters
    ends = [window.start.replace(month=3 * q.quarter + 1) for q in quarters[:3]]
    return {"start": window.start, "end": window.end, "q1": ends[0], "q2": ends[1], "q3": ends[2]}


def _durations_sql(engine: Engine) -> str:
    """The duration query with every (guidance version, stage) target inlined as VALUES."""
    with engine.connect() as connection:
        used = {
            v for (v,) in connection.execute(text("SELECT DISTINCT guidance_version FROM cases"))
        }
    versions = sorted(used & set(available_versions()))
    rows = ", ".join(
        f"('{version}', '{stage}', {stage_target_days(version, stage)})"
        for version in versions
        for stage in TIMED_STAGES
    )
    return _DURATIONS.replace("{targets}", rows)


def _raw(connection: Connection, durations: str, params: dict[str, Any]) -> dict[str, list[Any]]:
    """Run every raw statement; their rows by name."""
    found = {
        name: list(connection.execute(text(sql), params).all()) for name, sql in _COUNTS.items()
    }
    found["durations"] = list(connection.execute(text(durations), params).all())
    return found


def _protection_seconds(engine: Engine, window: Window) -> float:
    """How long the release's protection of its count tables takes on its own."""
    with Session(engine) as session:
        counts = window_counts(session, window.start, window.end)
    tables = count_tables(window, counts, build_labels(window, counts))
    started = time.perf_counter()
    protect_tables(list(tables.values()))
    return time.perf_counter() - started


def _same_work(
    engine: Engine,
    context: BenchContext,
    window: Window,
    durations_sql: str,
    params: dict[str, Any],
) -> str:
    """Check the raw SQL finds the release's unsuppressed groups and its medians; describe them."""
    with engine.connect() as connection:
        found = _raw(connection, durations_sql.format(**_ENTITY_SETS), params)
    with Session(engine) as session:
        counts = window_counts(session, window.start, window.end)
        releases = {r.scope: r for r in build_all_releases(session, context.now, year=window.year)}
        published = {scope: release_tables(r) for scope, r in releases.items()}
        session.rollback()
    checks = [
        ("received", _keyed(found["received"], 3), _quartered(counts.received)),
        ("closed", _keyed(found["closed"], 3), _quartered(counts.closed)),
        ("active", {r[0]: r[1] for r in found["open"]}, dict(counts.active)),
        (
            "open at quarter ends",
            {(r[0], q + 1): n for r in found["open"] for q, n in enumerate(r[2:]) if n},
            {(e, q.quarter): n for (e, q), n in counts.open_at_end.items()},
        ),
        ("clock stops", _keyed(found["clock_stops"], 2), _quartered(counts.clock_stops)),
        ("extensions", _keyed(found["extensions"], 2), _quartered(counts.extensions)),
        ("alerts", _keyed(found["alerts"], 2), _quartered(counts.alerts)),
        ("milestones", _keyed(found["milestones"], 2), dict(counts.milestones)),
    ]
    for name, raw, release in checks:
        if raw != release:
            raise RuntimeError(f"raw SQL and the release disagree on {name}")
    compared = _check_medians(window, found["durations"], published)
    stages = sum(row[4] for row in found["durations"] if row[0] is None and row[2] is None)
    return (
        f"same counts in {len(checks)} groupings; {compared} published medians equal the raw "
        f"percentile_cont over {stages:,} completed stages"
    )


def _keyed(rows: Sequence[Any], width: int) -> dict[tuple[Any, ...], int]:
    """Raw rows ``(*key, count)`` with a key of ``width`` columns, as a mapping."""
    return {tuple(row[:width]): row[width] for row in rows}


def _quartered(counts: Any) -> dict[tuple[Any, ...], int]:
    """Release counts keyed like the raw rows: a quarter as its number."""
    keyed: Counter[tuple[Any, ...]] = Counter()
    for key, count in counts.items():
        keyed[tuple(getattr(part, "quarter", part) for part in key)] += count
    return dict(keyed)


def _check_medians(
    window: Window, durations: Sequence[Any], published: dict[str, dict[str, Any]]
) -> int:
    """Every published median (and share) must equal the raw SQL's; returns how many compared."""
    compared = 0
    for code, stage, quarter, middle, size, within in durations:
        scope = SYSTEM_SCOPE if code is None else code
        if scope not in published:
            continue
        medians = published[scope]["stage_median_weeks"]
        shares = published[scope]["stage_within_target_percent"]
        column = str(window.year) if quarter is None else f"{window.year}-Q{quarter}"
        if column not in medians["columns"]["labels"]:
            continue  # a thin year is published as a whole only
        r = medians["rows"]["labels"].index(stage)
        c = medians["columns"]["labels"].index(column)
        median_cell, share_cell = medians["cells"][r][c]["value"], shares["cells"][r][c]["value"]
        if size < 10:
            expected: tuple[int | None, int | None] = (None, None)
        else:
            share = percentage(within, size) if size - within >= 10 else None
            expected = (weeks(Fraction(middle).limit_denominator(2)), share)
        if (median_cell, share_cell) != expected:
            raise RuntimeError(
                f"{scope} {stage} {column}: release {median_cell, share_cell}, raw {expected}"
            )
        compared += median_cell is not None
    return compared
