"""The deadline-alert scan, set-based: a batch of due rows costs a handful of statements.

Per batch: one locked select of the due rows (partial index on next_alert_at), one query for
open clock stops, one statement inserting the alerts (ON CONFLICT DO NOTHING keeps "once, ever")
and their recipients' outbox rows (SQLite: an insert, the recipient queries, an insert), one
statement moving next_alert_at.
A row-by-row scan issued several statements per due row; this one's cost follows the rows due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from casework.cases.models import Case, Deadline
from casework.cases.timeline import open_stop_starts_by_case
from casework.notifications.models import DeadlineAlert, Outbox, OutboxKind, OutboxStatus
from casework.notifications.recipients import recipients_of_alerts
from casework.timelines import ComputedDeadline, crossed_thresholds, held_by_stop, next_alert_at

BATCH = 1000
# On PostgreSQL one statement raises the alerts and queues their e-mails: the server inserts the
# alerts not raised before, finds each one's recipients as `recipients_of_alerts` does (amber:
# the case's active leads, else the entity's supervisors; red: supervisors; ceiling: heads of
# entity; active users only) and inserts one outbox row per recipient. Every join is an index
# probe into a table, never one CTE against another: a prepared statement's generic plan guesses
# ten rows for `unnest`, and a join planned for ten rows would be quadratic for the scan's 1,000.
_RAISE_ALERTS_BODY = """
    WITH wanted AS ({wanted}), created AS (
        INSERT INTO deadline_alerts (case_id, deadline_key, threshold, raised_at)
        SELECT case_id, key, level, :now FROM wanted ORDER BY position
        ON CONFLICT (case_id, deadline_key, threshold) DO NOTHING
        RETURNING id, case_id, threshold
    ), leads AS (
        SELECT c.id AS alert_id, c.case_id, a.user_id
        FROM created c
        JOIN case_assignments a ON a.case_id = c.case_id
        JOIN staff_users u ON u.id = a.user_id
        WHERE c.threshold = 'amber' AND a.role = 'lead' AND a.ended_at IS NULL AND u.is_active
    ), staff AS (
        SELECT c.id AS alert_id, c.case_id, s.user_id
        FROM created c
        -- Each join a LATERAL probe per alert (LIMIT/OFFSET keep the planner from flattening
        -- them; the user's check is a subquery for the same reason): a custom plan for ~1,500
        -- alerts otherwise hashed all 100,000 cases (41 ms) or scanned every user per alert.
        JOIN LATERAL (SELECT entity_id FROM cases WHERE id = c.case_id LIMIT 1) k ON true
        LEFT JOIN LATERAL (
            SELECT true AS found
            FROM case_assignments a JOIN staff_users lead ON lead.id = a.user_id
            WHERE a.case_id = c.case_id AND a.role = 'lead' AND a.ended_at IS NULL
              AND lead.is_active
            LIMIT 1
        ) has_lead ON c.threshold = 'amber'
        JOIN LATERAL (
            SELECT g.user_id
            FROM role_grants g
            WHERE g.entity_id = k.entity_id
              AND g.role = CASE c.threshold WHEN 'ceiling' THEN 'head_of_entity'
                                            ELSE 'supervisor' END
              AND (SELECT u.is_active FROM staff_users u WHERE u.id = g.user_id)
            OFFSET 0
        ) s ON true
        WHERE has_lead.found IS NULL
    ), recipients AS (
        SELECT * FROM leads UNION SELECT * FROM staff
    ), queued AS (
        INSERT INTO outbox (kind, case_id, ref_id, channel, staff_user_id, status, attempts,
                            created_at, next_attempt_at)
        SELECT 'alert', case_id, alert_id, 'email', user_id, 'pending', 0, :now, :now
        FROM recipients ORDER BY alert_id, user_id
    )
    SELECT id FROM created ORDER BY id
"""
_RAISE_ALERTS_PG = text(
    _RAISE_ALERTS_BODY.format(
        wanted="""
        SELECT * FROM unnest(CAST(:cases AS integer[]), CAST(:keys AS text[]),
                             CAST(:levels AS text[]))
            WITH ORDINALITY AS w(case_id, key, level, position)"""
    )
)
# One alert (a step, a stage change): the same statement on scalars. PostgreSQL plans the array
# version afresh on every run (its generic plan, guessing ten rows, looks dearer than a custom
# plan for one), which costs ~1.5 ms of server CPU; this one keeps its generic plan.
_RAISE_ONE_ALERT_PG = text(
    _RAISE_ALERTS_BODY.format(
        wanted="""
        SELECT CAST(:case_id AS integer) AS case_id, CAST(:key AS text) AS key,
               CAST(:level AS text) AS level, 1 AS position"""
    )
)
# The next alert instants, also one statement over arrays (unnest): the server does the rows.
_MOVE_NEXT_ALERTS_PG = text(
    """
    UPDATE deadlines SET next_alert_at = m.next_at
    FROM unnest(CAST(:ids AS integer[]), CAST(:next AS timestamptz[])) AS m(id, next_at)
    WHERE deadlines.id = m.id
"""
)
# (case id, entity id, deadline key, threshold) of an alert the scan wants to raise.
Wanted = tuple[int, int, str, str]


def _due_rows(session: Session, now: datetime, batch: int) -> Sequence[Any]:
    rows: Sequence[Any] = session.execute(
        select(
            Deadline.id,
            Deadline.case_id,
            Deadline.key,
            Deadline.starts_at,
            Deadline.due_at,
            Deadline.amber_at,
            Deadline.red_at,
            Deadline.ceiling_at,
            Case.entity_id,
        )
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.next_alert_at <= now, Deadline.met_at.is_(None), Case.closed_at.is_(None))
        .order_by(Deadline.next_alert_at, Deadline.id)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Deadline)
    ).all()
    return rows


def _computed(row: Any) -> ComputedDeadline:
    return ComputedDeadline(
        key=row.key,
        starts_at=row.starts_at,
        due_at=row.due_at,
        amber_at=row.amber_at,
        red_at=row.red_at,
        ceiling_at=row.ceiling_at,
        met_at=None,
        extended_by=0,
        paused=False,
    )


def raise_alerts(session: Session, wanted: Sequence[Wanted], now: datetime) -> list[int]:
    """Insert the alerts not raised before and their outbox rows; return the new alerts' ids."""
    if not wanted:
        return []
    if session.get_bind().dialect.name != "postgresql":
        return _raise_alerts_in_steps(session, wanted, now)
    if len(wanted) == 1:
        ((case_id, _entity, key, level),) = wanted
        one = {"case_id": case_id, "key": key, "level": level, "now": now}
        return list(session.scalars(_RAISE_ONE_ALERT_PG, one))
    arrays = {
        "cases": [case_id for case_id, _entity, _key, _level in wanted],
        "keys": [key for _case, _entity, key, _level in wanted],
        "levels": [level for _case, _entity, _key, level in wanted],
        "now": now,
    }
    return list(session.scalars(_RAISE_ALERTS_PG, arrays))


def _raise_alerts_in_steps(session: Session, wanted: Sequence[Wanted], now: datetime) -> list[int]:
    """`raise_alerts` on SQLite, in steps: the alerts, their recipients, the outbox rows."""
    entity_of = {case_id: entity_id for case_id, entity_id, _key, _level in wanted}
    created = session.execute(
        sqlite.insert(DeadlineAlert)
        .on_conflict_do_nothing(index_elements=["case_id", "deadline_key", "threshold"])
        .returning(DeadlineAlert.id, DeadlineAlert.case_id, DeadlineAlert.threshold),
        [
            {"case_id": case_id, "deadline_key": key, "threshold": level, "raised_at": now}
            for case_id, _entity, key, level in wanted
        ],
    ).all()
    if not created:
        return []
    recipients = recipients_of_alerts(
        session, [(row.case_id, entity_of[row.case_id], row.threshold) for row in created]
    )
    pairs = [
        (row.case_id, row.id, user_id)
        for row, users in zip(created, recipients, strict=True)
        for user_id in users
    ]
    if pairs:
        session.execute(
            insert(Outbox),
            [
                {
                    "kind": OutboxKind.ALERT,
                    "case_id": case_id,
                    "ref_id": ref,
                    "channel": "email",
                    "staff_user_id": user_id,
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for case_id, ref, user_id in pairs
            ],
        )
    return [row.id for row in created]


def _move_next_alerts(session: Session, moves: list[dict[str, Any]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _MOVE_NEXT_ALERTS_PG,
            {"ids": [m["id"] for m in moves], "next": [m["next_alert_at"] for m in moves]},
        )
    else:
        session.execute(update(Deadline), moves)


def scan_deadline_alerts(session: Session, now: datetime, batch: int = BATCH) -> int:
    """Raise every alert due at `now` once, and advance each deadline's next alert time."""
    raised = 0
    while rows := _due_rows(session, now, batch):
        holding = open_stop_starts_by_case(session, (row.case_id for row in rows))
        wanted: list[Wanted] = []
        moves: list[dict[str, Any]] = []
        for row in rows:
            computed = _computed(row)
            stops = holding.get(row.case_id)
            if stops and held_by_stop(computed, stops):
                # The clock is stopped: no alert; ending the stop re-arms it (recompute).
                moves.append({"id": row.id, "next_alert_at": None})
                continue
            crossed = crossed_thresholds(computed, now)
            wanted.extend((row.case_id, row.entity_id, row.key, t.value) for t in crossed)
            moves.append({"id": row.id, "next_alert_at": next_alert_at(computed, crossed)})
        raised += len(raise_alerts(session, wanted, now))
        _move_next_alerts(session, moves)
        if len(rows) < batch:
            break  # a short batch was the last one: no second trip through the index
    session.flush()
    return raised
