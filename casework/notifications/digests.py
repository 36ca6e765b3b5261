"""The opt-in daily digest of deadline alerts for staff: once per person and day, ids only.

A person on the digest gets amber alerts only in it; red and ceiling alerts are still sent at
once (delivery checks `held_for_digest`). The digest counts every alert raised for the person
since their previous digest, by threshold, and lists the cases by id: no names, no content.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.audit.services import record_audit
from casework.identity.models import StaffUser
from casework.notifications.models import (
    DeadlineAlert,
    NotificationPreference,
    Outbox,
    OutboxKind,
    StaffDigest,
)
from casework.notifications.outbox import add_outbox

THRESHOLDS = ("amber", "red", "ceiling")
HELD_THRESHOLDS = frozenset({"amber"})
FIRST_WINDOW = timedelta(hours=24)
# After a long gap (opted out for months, or the job stopped), start afresh from 24 hours back.
MAX_CATCH_UP = timedelta(days=7)
# Alerts raised by transactions still open at `now` are left for the next digest.
SETTLE = timedelta(minutes=5)


def digest_enabled(session: Session, staff_user_id: int) -> bool:
    """Tell whether a staff member has opted in to the daily digest."""
    pref = session.get(NotificationPreference, staff_user_id)
    return bool(pref is not None and pref.daily_digest)


def set_daily_digest(
    session: Session, staff_user_id: int, enabled: bool, source: str, now: datetime
) -> NotificationPreference:
    """Opt a staff member in to or out of the daily digest; the change is audited."""
    pref = session.get(NotificationPreference, staff_user_id)
    if pref is None:
        pref = NotificationPreference(staff_user_id=staff_user_id, daily_digest=enabled)
        session.add(pref)
    pref.daily_digest = enabled
    session.flush()
    action = "account.digest_on" if enabled else "account.digest_off"
    record_audit(session, staff_user_id, action, None, source, now)
    return pref


def held_for_digest(threshold: str, daily_digest: bool | None) -> bool:
    """Tell whether an alert goes only into the person's digest (amber, digest chosen)."""
    return threshold in HELD_THRESHOLDS and bool(daily_digest)


def _insert_digest(session: Session, values: dict[str, object]) -> int | None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(StaffDigest)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["staff_user_id", "digest_date"])
        .returning(StaffDigest.id)
    )
    digest_id = session.scalar(statement)
    return int(digest_id) if digest_id is not None else None


def _window_starts(session: Session, user_ids: list[int], end: datetime) -> dict[int, datetime]:
    previous: dict[int, datetime] = {
        user_id: last
        for user_id, last in session.execute(
            select(StaffDigest.staff_user_id, func.max(StaffDigest.window_end))
            .where(StaffDigest.staff_user_id.in_(user_ids))
            .group_by(StaffDigest.staff_user_id)
        )
    }
    starts = {}
    for user_id in user_ids:
        last = previous.get(user_id)
        recent = last is not None and last >= end - MAX_CATCH_UP
        starts[user_id] = last if last is not None and recent else end - FIRST_WINDOW
    return starts


def _alerts_by_person(
    session: Session, starts: dict[int, datetime], end: datetime
) -> dict[int, dict[int, tuple[str, int]]]:
    """Alert id -> (threshold, case id) per person, raised in each person's window."""
    rows = session.execute(
        select(
            Outbox.staff_user_id,
            DeadlineAlert.id,
            DeadlineAlert.threshold,
            DeadlineAlert.case_id,
            DeadlineAlert.raised_at,
        )
        .join(DeadlineAlert, DeadlineAlert.id == Outbox.ref_id)
        .where(
            Outbox.kind == OutboxKind.ALERT,
            Outbox.staff_user_id.in_(list(starts)),
            DeadlineAlert.raised_at >= min(starts.values()),
            DeadlineAlert.raised_at < end,
        )
    )
    found: dict[int, dict[int, tuple[str, int]]] = defaultdict(dict)
    for user_id, alert_id, threshold, case_id, raised_at in rows:
        if user_id is not None and raised_at >= starts[user_id]:
            found[user_id][alert_id] = (threshold, case_id)
    return found


def send_daily_digests(session: Session, now: datetime) -> int:
    """Write today's digest (and its outbox row) for each person on the digest; once per day.

    Returns how many digests were written by this call. A person without any alert in their
    window gets a digest row (so the day counts as done) but no e-mail.
    """
    today: date = now.astimezone(UTC).date()
    end = now - SETTLE
    opted_in = list(
        session.scalars(
            select(StaffUser.id)
            .join(NotificationPreference, NotificationPreference.staff_user_id == StaffUser.id)
            .where(NotificationPreference.daily_digest, StaffUser.is_active)
            .order_by(StaffUser.id)
        )
    )
    done = set(
        session.scalars(
            select(StaffDigest.staff_user_id).where(
                StaffDigest.digest_date == today, StaffDigest.staff_user_id.in_(opted_in)
            )
        )
    )
    pending = [user_id for user_id in opted_in if user_id not in done]
    if not pending:
        return 0
    starts = _window_starts(session, pending, end)
    alerts = _alerts_by_person(session, starts, end)
    written = 0
    for user_id in pending:
        mine = alerts.get(user_id, {})
        counts = {t: sum(1 for level, _ in mine.values() if level == t) for t in THRESHOLDS}
        case_ids = sorted({case_id for _, case_id in mine.values()})
        digest_id = _insert_digest(
            session,
            {
                "staff_user_id": user_id,
                "digest_date": today,
                "window_start": starts[user_id],
                "window_end": end,
                "amber": counts["amber"],
                "red": counts["red"],
                "ceiling": counts["ceiling"],
                "case_ids": ",".join(str(i) for i in case_ids),
                "created_at": now,
            },
        )
        if digest_id is None:
            continue  # another run wrote it first
        written += 1
        if mine:
            add_outbox(
                session,
                OutboxKind.DIGEST,
                now,
                ref_id=digest_id,
                channel="email",
                staff_user_id=user_id,
            )
    session.flush()
    return written
