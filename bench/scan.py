"""The deadline scan beside a raw indexed select of the same due rows, at a fixed number due.

The scan's instant is chosen so that exactly DUE rows are due at every size: its cost must follow
the rows due, not the rows stored. Each scan runs in a transaction that is rolled back, so every
repetition sees the same rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench.context import BenchContext
from bench.report import Figure
from bench.timing import interleaved_medians
from casework.notifications.alert_scan import scan_deadline_alerts

DUE = 1000
_DUE_ROWS = """
    SELECT d.id, d.case_id, d.key, d.starts_at, d.due_at, d.amber_at, d.red_at, d.ceiling_at,
           d.met_at, d.next_alert_at, c.entity_id
    FROM deadlines d JOIN cases c ON c.id = d.case_id
    WHERE d.next_alert_at <= :now AND d.met_at IS NULL AND c.closed_at IS NULL
    ORDER BY d.next_alert_at, d.id
"""
# The same work as the scan in one hand-written statement: alerts for every threshold reached,
# their outbox rows (owner, else supervisors; supervisors; heads), the next alert instant.
_RAW_SCAN = """
WITH due AS (
    SELECT d.id, d.case_id, d.key, d.amber_at, d.red_at, d.ceiling_at, c.entity_id,
           EXISTS (SELECT 1 FROM clock_stops s
                   WHERE s.case_id = d.case_id AND s.status = 'approved' AND s.ended_at IS NULL
                     AND s.started_at < greatest(d.amber_at, d.red_at, d.ceiling_at)) AS held
    FROM deadlines d JOIN cases c ON c.id = d.case_id
    WHERE d.next_alert_at <= :now AND d.met_at IS NULL AND c.closed_at IS NULL
    ORDER BY d.next_alert_at, d.id
    FOR UPDATE OF d SKIP LOCKED
),
wanted AS (
    SELECT due.case_id, due.entity_id, due.key, t.level
    FROM due CROSS JOIN LATERAL (VALUES ('amber', due.amber_at), ('red', due.red_at),
                                        ('ceiling', due.ceiling_at)) AS t(level, at)
    WHERE NOT due.held AND t.at IS NOT NULL AND t.at <= :now
),
ins AS (
    INSERT INTO deadline_alerts (case_id, deadline_key, threshold, raised_at)
    SELECT case_id, key, level, :now FROM wanted
    ON CONFLICT (case_id, deadline_key, threshold) DO NOTHING
    RETURNING id, case_id, threshold
),
targets AS (
    SELECT ins.id, ins.case_id, a.user_id FROM ins
    JOIN case_assignments a ON a.case_id = ins.case_id AND a.role = 'lead' AND a.ended_at IS NULL
    WHERE ins.threshold = 'amber'
    UNION ALL
    SELECT ins.id, ins.case_id, g.user_id FROM ins
    JOIN cases c ON c.id = ins.case_id
    JOIN role_grants g ON g.entity_id = c.entity_id
        AND g.role = CASE ins.threshold WHEN 'ceiling' THEN 'head_of_entity' ELSE 'supervisor' END
    WHERE ins.threshold <> 'amber' OR NOT EXISTS (
        SELECT 1 FROM case_assignments a
        WHERE a.case_id = ins.case_id AND a.role = 'lead' AND a.ended_at IS NULL)
),
outbox_rows AS (
    INSERT INTO outbox (kind, case_id, ref_id, channel, staff_user_id, status, attempts,
                        created_at, next_attempt_at)
    SELECT 'alert', case_id, id, 'email', user_id, 'pending', 0, :now, :now FROM targets
    RETURNING 1
),
moved AS (
    UPDATE deadlines d SET next_alert_at = CASE WHEN due.held THEN NULL ELSE (
        SELECT min(at) FROM (VALUES (due.amber_at), (due.red_at), (due.ceiling_at)) AS t(at)
        WHERE at > :now) END
    FROM due WHERE d.id = due.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM outbox_rows), (SELECT count(*) FROM moved)
"""
_KTH_DUE = """
    SELECT d.next_alert_at FROM deadlines d JOIN cases c ON c.id = d.case_id
    WHERE d.next_alert_at IS NOT NULL AND d.met_at IS NULL AND c.closed_at IS NULL
    ORDER BY d.next_alert_at OFFSET :k LIMIT 1
"""
# Scan cost by size, kept across sizes of one run to show growth.
_BY_SIZE: dict[int, tuple[int, float]] = {}


def run(context: BenchContext) -> list[Figure]:
    """Measure the scan and its baseline at this size; compare with the 100,000-case run."""
    engine = create_engine(context.database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM deadlines")).scalar_one()
        armed = connection.execute(
            text(
                "SELECT count(*) FROM deadlines d JOIN cases c ON c.id = d.case_id "
                "WHERE d.next_alert_at IS NOT NULL AND c.closed_at IS NULL"
            )
        ).scalar_one()
        # Small data sets have fewer than DUE armed deadlines: scan half of them instead.
        due = min(DUE, armed // 2)
        scan_at: datetime | None = connection.execute(
            text(_KTH_DUE), {"k": max(due - 1, 0)}
        ).scalar()
    if scan_at is None:
        engine.dispose()
        return []

    def scan() -> None:
        with Session(engine) as session:
            scan_deadline_alerts(session, scan_at)
            session.rollback()

    def raw_select() -> None:
        with engine.connect() as connection:
            connection.execute(text(_DUE_ROWS), {"now": scan_at}).all()

    def raw_scan() -> None:
        with engine.connect() as connection:
            connection.execute(text(_RAW_SCAN), {"now": scan_at}).one()
            connection.rollback()

    repeats = 3 if context.quick else 7
    scan_seconds, select_seconds = interleaved_medians(scan, raw_select, repeats)
    _scan_again, raw_scan_seconds = interleaved_medians(scan, raw_scan, repeats)
    work = _same_work(engine, scan_at)
    engine.dispose()
    _BY_SIZE[context.cases] = (due, scan_seconds)
    note = f"{due} due of {armed:,} open deadlines ({stored:,} stored); {work}"
    figures = [
        Figure(
            "deadline scan",
            context.cases,
            scan_seconds * 1000,
            "ms",
            "raw indexed select",
            select_seconds * 1000,
            "at_most",
            2.0,
            note,
        ),
        Figure(
            "deadline scan",
            context.cases,
            scan_seconds * 1000,
            "ms",
            "raw SQL, same writes",
            raw_scan_seconds * 1000,
            "at_most",
            2.0,
            note,
        ),
    ]
    # Growth compares runs with the same number of rows due, the larger store against 100,000.
    comparable = [
        size for size, (count, _) in _BY_SIZE.items() if count == due and size < context.cases
    ]
    if comparable:
        reference = 100_000 if 100_000 in comparable else min(comparable)
        figures.append(
            Figure(
                "deadline scan growth",
                context.cases,
                scan_seconds * 1000,
                "ms",
                f"same scan at {reference:,} cases",
                _BY_SIZE[reference][1] * 1000,
                "at_most",
                1.5,
                note,
            )
        )
    return figures


def _same_work(engine: Engine, scan_at: datetime) -> str:
    """Check that the scan and the hand-written SQL write the same rows; describe them."""
    with Session(engine) as session:
        raised = scan_deadline_alerts(session, scan_at)
        outbox = session.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        session.rollback()
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        alerts, rows, _moved = connection.execute(text(_RAW_SCAN), {"now": scan_at}).one()
        connection.rollback()
    if (raised, outbox - before) != (alerts, rows):
        raise RuntimeError(
            f"scan wrote {raised} alerts and {outbox - before} outbox rows, raw SQL {alerts}/{rows}"
        )
    return f"{raised} alerts and {rows} outbox rows written by each"
