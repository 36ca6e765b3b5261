"""Reading a whole case for its page: the small tables in one round trip, the steps in another.

A case page shows rows from eight small tables (parties, allegations, deadlines, stage changes,
clock stops, extensions, the decision, evidence) besides its steps. One statement per table made
the page pay eight round trips and eight ORM loads; here they are one UNION ALL in which each
table has its own columns (NULL in the other tables' rows), built once at import.

The rows come back as transient model instances: copies for display that are never added to a
session, so nothing read here can be flushed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    bindparam,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute, Session

from casework.cases.clock_models import ClockStop, Extension
from casework.cases.decision_models import Decision
from casework.cases.evidence_models import EvidenceFile
from casework.cases.models import Allegation, Case, CaseStep, Deadline, Party, StageChange
from casework.cases.records import STEP_COLUMNS, CaseView, case_view, step_views
from casework.db import Base
from casework.keys.services import Keys, open_case_cipher

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class _Part:
    """One table of the union: the columns the page reads, the first one ordering the rows."""

    model: type[Base]
    columns: tuple[InstrumentedAttribute[Any], ...]


# In the order the original relationships and queries sorted them (the first column is the key).
_PARTS = (
    _Part(
        Party,
        (
            Party.id,
            Party.role,
            Party.name_ct,
            Party.email_ct,
            Party.phone_ct,
            Party.staff_user_id,
        ),
    ),
    _Part(Allegation, (Allegation.id, Allegation.summary_ct, Allegation.finding)),
    _Part(
        Deadline,
        (
            Deadline.due_at,
            Deadline.id,
            Deadline.key,
            Deadline.starts_at,
            Deadline.amber_at,
            Deadline.red_at,
            Deadline.ceiling_at,
            Deadline.met_at,
            Deadline.next_alert_at,
        ),
    ),
    _Part(
        StageChange,
        (
            StageChange.id,
            StageChange.from_stage,
            StageChange.to_stage,
            StageChange.changed_at,
            StageChange.actor_id,
            StageChange.outcome,
        ),
    ),
    _Part(
        ClockStop,
        (
            ClockStop.id,
            ClockStop.started_at,
            ClockStop.ended_at,
            ClockStop.reason,
            ClockStop.status,
            ClockStop.requested_by,
            ClockStop.requested_at,
            ClockStop.approved_by,
            ClockStop.approved_at,
        ),
    ),
    _Part(
        Extension,
        (
            Extension.id,
            Extension.deadline_key,
            Extension.amount,
            Extension.reason_ct,
            Extension.status,
            Extension.requested_by,
            Extension.requested_at,
            Extension.approved_by,
            Extension.decided_at,
        ),
    ),
    _Part(
        Decision,
        (
            Decision.id,
            Decision.measures,
            Decision.non_disciplinary,
            Decision.decided_at,
            Decision.notified_at,
            Decision.decided_by,
        ),
    ),
    _Part(
        EvidenceFile,
        (
            EvidenceFile.id,
            EvidenceFile.stored_name,
            EvidenceFile.media_type,
            EvidenceFile.size,
            EvidenceFile.sha256,
            EvidenceFile.uploaded_by,
            EvidenceFile.uploaded_at,
        ),
    ),
)


def _spans(parts: Sequence[_Part]) -> list[tuple[int, int]]:
    """Where each part's columns sit in a union row (after the part number in column 0)."""
    spans, start = [], 1
    for part in parts:
        spans.append((start, start + len(part.columns)))
        start += len(part.columns)
    return spans


def _union(parts: Sequence[_Part]) -> Executable:
    """One SELECT per part, each filling its own columns and typed NULLs in everyone else's."""
    slots = [(index, column) for index, part in enumerate(parts) for column in part.columns]
    arms = []
    for index, part in enumerate(parts):
        columns = [literal_column(str(index), Integer).label("part")]
        for number, (owner, column) in enumerate(slots):
            value = column if owner == index else sql_cast(null(), column.type)
            columns.append(value.label(f"c{number}"))
        arms.append(select(*columns).where(part.model.__table__.c.case_id == bindparam("case_id")))
    # Within one part the other parts' columns are all NULL, so this sorts each by its own key.
    keys: list[ColumnElement[Any]] = [literal_column(f"c{start - 1}") for start, _ in _spans(parts)]
    return union_all(*arms).order_by(literal_column("part"), *keys)


_STATEMENT = _union(_PARTS)
_STEPS = select(*STEP_COLUMNS).where(CaseStep.case_id == bindparam("case_id")).order_by(CaseStep.id)
_SPANS = _spans(_PARTS)
_NAMES = tuple(tuple(column.key for column in part.columns) for part in _PARTS)


@dataclass(frozen=True)
class CaseFile:
    """A case decrypted with everything its page lists (transient copies, never flushed)."""

    view: CaseView
    deadlines: list[Deadline]
    stage_changes: list[StageChange]
    clock_stops: list[ClockStop]
    extensions: list[Extension]
    decision: Decision | None
    evidence: list[EvidenceFile]


def _small_tables(connection: Connection, case_id: int) -> list[list[Base]]:
    """Every part's rows as transient instances, in the parts' order."""
    found: list[list[Base]] = [[] for _ in _PARTS]
    for row in connection.execute(_STATEMENT, {"case_id": case_id}).all():
        index = row[0]
        start, end = _SPANS[index]
        values = dict(zip(_NAMES[index], row[start:end], strict=True))
        found[index].append(_PARTS[index].model(case_id=case_id, **values))
    return found


def _of(model: type[M], rows: list[Base]) -> list[M]:
    return cast(list[M], rows)


def read_case_file(session: Session, keys: Keys, case: Case) -> CaseFile:
    """Read and decrypt a case for a reader already authorised: two statements in all."""
    cipher = open_case_cipher(session, keys, case.id)
    # Plain reads on the session's connection (in its transaction): none touches the audit
    # trail, so they skip the ORM execute hooks, whose walk over a statement this wide cost
    # more than the query. Nothing is left unflushed here: services flush what they change.
    connection = session.connection()
    parties, allegations, deadlines, changes, stops, extensions, decisions, evidence = (
        _small_tables(connection, case.id)
    )
    # All at once: iterating a result fetches row by row, which cost more than decrypting them.
    steps = connection.execute(_STEPS, {"case_id": case.id}).all()
    view = case_view(
        cipher,
        case,
        step_views(cipher, steps),
        parties=_of(Party, parties),
        allegations=_of(Allegation, allegations),
    )
    decision = _of(Decision, decisions)
    return CaseFile(
        view=view,
        deadlines=_of(Deadline, deadlines),
        stage_changes=_of(StageChange, changes),
        clock_stops=_of(ClockStop, stops),
        extensions=_of(Extension, extensions),
        decision=decision[0] if decision else None,
        evidence=_of(EvidenceFile, evidence),
    )
