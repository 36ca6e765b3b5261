"""What a case team needs at a glance: each case's next deadline and how late it is."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from casework.cases.models import Case, Deadline, Stage
from casework.cases.records import decrypt_reference
from casework.keys.services import Keys, open_case_cipher


class Rag(enum.Enum):
    """Red/amber/green, ordered from most to least urgent; always shown with words too."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NONE = "none"


_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NONE: 3}
_RAG_WORDS = {Rag.RED: "Late", Rag.AMBER: "At risk", Rag.GREEN: "On track", Rag.NONE: "No deadline"}


@dataclass(frozen=True)
class DeadlineState:
    """A deadline's status at an instant, in words a newcomer understands."""

    rag: Rag
    words: str
    detail: str


def _days(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 86400))


def _plural(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def deadline_state(row: Deadline, now: datetime) -> DeadlineState:
    """Classify one stored deadline at `now` (red once its red threshold is reached)."""
    if row.met_at is not None and row.met_at <= now:
        late = row.met_at > row.due_at
        words = "Met late" if late else "Met"
        return DeadlineState(Rag.NONE, words, f"{words} on {row.met_at:%d %b %Y}")
    if now >= row.due_at:
        whole_days = (now - row.due_at).days
        overdue = f"Overdue by {_plural(whole_days)}" if whole_days else "Overdue since today"
        return DeadlineState(Rag.RED, "Late", overdue)
    left = f"Due in {_plural(_days(row.due_at - now))}"
    if now >= row.red_at:
        return DeadlineState(Rag.RED, "Late", left)
    if now >= row.amber_at:
        return DeadlineState(Rag.AMBER, "At risk", left)
    return DeadlineState(Rag.GREEN, "On track", left)


@dataclass(frozen=True)
class CaseRow:
    """One line of the dashboard."""

    case_id: int
    reference: str
    stage: Stage
    opened_at: datetime
    next_key: str | None
    next_due_at: datetime | None
    rag: Rag
    words: str
    detail: str


SORTS = ("urgency", "reference", "stage", "due", "opened")


def _next_open(rows: Iterable[Deadline], now: datetime) -> Deadline | None:
    pending = [row for row in rows if row.met_at is None or row.met_at > now]
    return min(pending, key=lambda row: row.due_at, default=None)


def case_row(session: Session, keys: Keys, case: Case, now: datetime) -> CaseRow:
    """Summarise one case for the dashboard."""
    if case.shredded_at is not None:  # its key is gone: show the id, never fail the list
        reference = f"(shredded case {case.id})"
    else:
        reference = decrypt_reference(open_case_cipher(session, keys, case.id), case)
    upcoming = _next_open(case.deadlines, now) if case.stage is not Stage.CLOSED else None
    if upcoming is None:
        words = "Closed" if case.stage is Stage.CLOSED else _RAG_WORDS[Rag.NONE]
        return CaseRow(
            case.id, reference, case.stage, case.opened_at, None, None, Rag.NONE, words, ""
        )
    state = deadline_state(upcoming, now)
    return CaseRow(
        case.id,
        reference,
        case.stage,
        case.opened_at,
        upcoming.key,
        upcoming.due_at,
        state.rag,
        state.words,
        state.detail,
    )


def dashboard_rows(
    session: Session,
    keys: Keys,
    cases: Select[Any],
    now: datetime,
    stage: Stage | None = None,
    rag: Rag | None = None,
    sort: str = "urgency",
) -> list[CaseRow]:
    """Rows for the cases a query selects, filtered and sorted (late cases first by default)."""
    if stage is not None:
        cases = cases.where(Case.stage == stage)
    found: list[Case] = list(session.scalars(cases))
    rows = [case_row(session, keys, case, now) for case in found]
    if rag is not None:
        rows = [row for row in rows if row.rag is rag]
    return sort_rows(rows, sort)


def sort_rows(rows: Sequence[CaseRow], sort: str) -> list[CaseRow]:
    """Sort dashboard rows; urgency puts the latest, most overdue cases first."""
    far = datetime.max.replace(tzinfo=None)
    stage_order = {s: i for i, s in enumerate(Stage)}

    def due_key(row: CaseRow) -> datetime:
        return row.next_due_at.replace(tzinfo=None) if row.next_due_at else far

    if sort == "reference":
        return sorted(rows, key=lambda row: row.reference)
    if sort == "stage":
        return sorted(rows, key=lambda row: (stage_order[row.stage], due_key(row)))
    if sort == "due":
        return sorted(rows, key=due_key)
    if sort == "opened":
        return sorted(rows, key=lambda row: row.opened_at)
    return sorted(rows, key=lambda row: (_RAG_ORDER[row.rag], due_key(row)))
