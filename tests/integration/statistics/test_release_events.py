"""Alerts, clock stops, extensions and milestone delivery in a release, against a known truth."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.clock_models import ClockStop, Extension, RequestStatus, StopReasonCode
from casework.cases.models import Case
from casework.identity.models import Entity
from casework.notifications.models import DeadlineAlert, Disclosure, DisclosureStatus
from casework.statistics.disclosure_audit import recoverable_cells
from casework.statistics.disclosure_model import CountTable, Position, ProtectedTable, Reason
from casework.statistics.release import build_release, release_tables
from tests.integration.statistics.synthetic import NOW, populate, round5

Q1, Q2, Q3 = (datetime(2025, m, 10, 12, tzinfo=UTC) for m in (2, 5, 8))


def _cases(session: Session, code: str) -> list[int]:
    query = select(Case.id).join(Entity).where(Entity.code == code).order_by(Case.id)
    return list(session.scalars(query))


def _check(table: dict[str, Any], truth: Counter[tuple[str, str]]) -> ProtectedTable:
    """Every published cell equals the truth rounded; every 1..9 withheld; returns the audit view."""
    rows, columns = table["rows"]["labels"], table["columns"]["labels"]
    counts = CountTable(
        title=table["name"],
        population=table["population"],
        row_dimension="entity",
        column_dimension=table["columns"]["dimension"],
        row_labels=tuple(rows),
        column_labels=tuple(columns),
        counts=tuple(tuple(truth[(r, c)] for c in columns) for r in rows),
    )
    withheld: dict[Position, Reason] = {}
    for position in counts.positions():
        row, column = position
        if row is None and column is None:
            cell = table["grand_total"]
        elif row is None:
            cell = table["column_totals"][column]
        elif column is None:
            cell = table["row_totals"][row]
        else:
            cell = table["cells"][row][column]
        value = counts.value(position)
        if 0 < value < 10:
            assert cell["suppressed"], (table["name"], position)
        if cell["suppressed"]:
            withheld[position] = Reason.PRIMARY
        else:
            assert cell["value"] == round5(value), (table["name"], position)
    return ProtectedTable(counts, withheld)


def test_event_tables_equal_the_truth_and_protect_small_counts(session: Session) -> None:
    populate(session)
    biga, bigb, small = _cases(session, "BIGA"), _cases(session, "BIGB"), _cases(session, "SMA")
    for case_id in biga[:14]:
        session.add(
            DeadlineAlert(
                case_id=case_id, deadline_key="investigation", threshold="red", raised_at=Q2
            )
        )
    for case_id in bigb[:3]:
        session.add(
            DeadlineAlert(
                case_id=case_id, deadline_key="investigation", threshold="amber", raised_at=Q3
            )
        )
    for case_id in biga[:15] + small[:2]:
        session.add(
            ClockStop(
                case_id=case_id,
                started_at=Q1,
                ended_at=Q1 + timedelta(days=5),
                reason=StopReasonCode.MEDIATION,
                status=RequestStatus.APPROVED,
                requested_at=Q1,
            )
        )
    session.add(
        ClockStop(
            case_id=biga[20],
            started_at=Q1,
            ended_at=None,
            reason=StopReasonCode.MEDIATION,
            status=RequestStatus.REFUSED,
            requested_at=Q1,
        )
    )
    for case_id in bigb[:12]:
        session.add(
            Extension(
                case_id=case_id,
                deadline_key="investigation",
                amount=30,
                reason_ct=b"\x00opaque",
                status=RequestStatus.APPROVED,
                requested_at=Q2,
                decided_at=Q2,
            )
        )
    deliveries = [("on_time", 12), ("late", 11), ("withheld", 2)]
    index = 0
    for delivery, count in deliveries:
        for _ in range(count):
            sent = {
                "on_time": Q2 - timedelta(days=1),
                "late": Q2 + timedelta(days=3),
                "withheld": None,
            }
            session.add(
                Disclosure(
                    case_id=biga[index % len(biga)],
                    party_id=None,
                    milestone="M4",
                    occurrence=index + 1,
                    status=DisclosureStatus.WITHHELD
                    if delivery == "withheld"
                    else DisclosureStatus.SENT,
                    template_version="2026.1",
                    due_at=Q2,
                    created_at=Q2 - timedelta(days=10),
                    sent_at=sent[delivery],
                )
            )
            index += 1
    session.flush()

    tables = release_tables(build_release(session, NOW, "system"))
    truths = {
        "alerts_raised": Counter({("BIGA", "2025-Q2"): 14, ("BIGB", "2025-Q3"): 3}),
        "clock_stops": Counter({("BIGA", "2025-Q1"): 15, ("other", "2025-Q1"): 2}),
        "extensions": Counter({("BIGB", "2025-Q2"): 12}),
        "milestone_delivery": Counter({("BIGA", d): n for d, n in deliveries}),
    }
    protected = [_check(tables[name], truth) for name, truth in truths.items()]
    assert tables["alerts_raised"]["cells"][0][1] == {"value": 15, "suppressed": False}
    assert recoverable_cells(protected) == ()
