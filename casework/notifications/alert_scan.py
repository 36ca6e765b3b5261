"""The deadline-alert scan, set-based: a batch of due rows costs a handful of statements.

Per batch: one locked select of the due rows (partial index on next_alert_at), one query for
open clock stops, one multi-row INSERT of alerts (ON CONFLICT DO NOTHING keeps "once, ever"),
three queries for recipients, one insert of outbox rows, one executemany moving next_alert_at.
A row-by-row scan issued several statements per due row; this one's cost follows the rows due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.cases.models import Case, Deadline
from casework.cases.timeline import open_stop_starts_by_case
from casework.notifications.models import DeadlineAlert, Outbox, OutboxKind, OutboxStatus
from casework.notifications.recipients import recipients_of_alerts
from casework.timelines import ComputedDeadline, crossed_thresholds, held_by_stop, next_alert_at

BATCH = 1000
# On PostgreSQL each write is one statement over arrays (unnest): the server does the rows.
_INSERT_ALERTS_PG = """
    INSERT INTO deadline_alerts (case_id, deadline_key, threshold, raised_at)
    SELECT w.case_id, w.key, w.level, :now
    FROM unnest(CAST(:cases AS integer[]), CAST(:keys AS text[]), CAST(:levels AS text[]))
        AS w(case_id, key, level)
    ON CONFLICT (case_id, deadline_key, threshold) DO NOTHING
    RETURNING id, case_id, threshold
"""
_INSERT_OUTBOX_PG = """
    INSERT INTO outbox (kind, case_id, ref_id, channel, staff_user_id, status, attempts,
                        created_at, next_attempt_at)
    SELECT 'alert', o.case_id, o.ref_id, 'email', o.user_id, 'pending', 0, :now, :now
    FROM unnest(CAST(:cases AS integer[]), CAST(:refs AS integer[]), CAST(:users AS integer[]))
        AS o(case_id, ref_id, user_id)
"""
_MOVE_NEXT_ALERTS_PG = """
    UPDATE deadlines SET next_alert_at = m.next_at
    FROM unnest(CAST(:ids AS integer[]), CAST(:next AS timestamptz[])) AS m(id, next_at)
    WHERE deadlines.id = m.id
"""
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
    dialect = session.get_bind().dialect.name
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    entity_of = {case_id: entity_id for case_id, entity_id, _key, _level in wanted}
    if dialect == "postgresql":
        created = session.execute(
            text(_INSERT_ALERTS_PG),
            {
                "cases": [case_id for case_id, _entity, _key, _level in wanted],
                "keys": [key for _case, _entity, key, _level in wanted],
                "levels": [level for _case, _entity, _key, level in wanted],
                "now": now,
            },
        ).all()
    else:
        created = session.execute(
            insert_into(DeadlineAlert)
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
    if pairs and dialect == "postgresql":
        session.execute(
            text(_INSERT_OUTBOX_PG),
            {
                "cases": [case_id for case_id, _ref, _user in pairs],
                "refs": [ref for _case, ref, _user in pairs],
                "users": [user for _case, _ref, user in pairs],
                "now": now,
            },
        )
    elif pairs:
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
            text(_MOVE_NEXT_ALERTS_PG),
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
