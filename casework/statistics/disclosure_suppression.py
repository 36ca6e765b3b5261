"""Choosing which cells to withhold: primary, l-diversity and complementary suppression.

Order of a release (``protect_tables``): primary suppression of every table, then the
l-diversity step on tables with a sensitive dimension (outcome), then complementary suppression
across all tables together until the audit finds nothing recoverable. Rounding comes after.
Every step only adds withheld cells, so each is idempotent and the order is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from casework.statistics.disclosure_audit import CellInterval, first_recoverable_cell
from casework.statistics.disclosure_model import (
    CellKey,
    CountTable,
    Line,
    Position,
    ProtectedTable,
    Reason,
)

PRIMARY_THRESHOLD = 10
SENSITIVE_DIMENSIONS = frozenset({"outcome"})
MIN_DISTINCT_OUTCOMES = 2


def suppress_primary(
    protected: ProtectedTable, *, threshold: int = PRIMARY_THRESHOLD
) -> ProtectedTable:
    """Withhold every cell, margins included, whose true count is 1 to ``threshold - 1``."""
    table = protected.table
    small = {
        position: Reason.PRIMARY
        for position in table.positions()
        if 0 < table.value(position) < threshold
    }
    return protected.with_suppressed(small)


def suppress_homogeneous_groups(
    protected: ProtectedTable,
    *,
    sensitive_dimensions: Collection[str] = SENSITIVE_DIMENSIONS,
    min_distinct: int = MIN_DISTINCT_OUTCOMES,
) -> ProtectedTable:
    """Withhold the outcome split of each group with fewer than ``min_distinct`` outcomes.

    A group is a row (or column, if outcomes run down the rows), the totals line included, with a
    non-zero total. Its split is withheld in every outcome that occurs somewhere in the table;
    an outcome that occurs nowhere stays a published 0, as that is a fact about the whole table.
    If the whole table has fewer than ``min_distinct`` outcomes, the entire split is withheld.
    The group total stays published unless another rule withholds it.
    """
    table = protected.table
    if table.column_dimension in sensitive_dimensions:
        groups = table.row_lines
    elif table.row_dimension in sensitive_dimensions:
        groups = table.column_lines
    else:
        return protected
    grand = groups[-1]
    present = [p for p in grand.parts if table.value(p) > 0]
    if len(present) < min_distinct:
        outcome_lines = [line for line in table.lines if line.total in grand.parts]
        withheld = {p for line in outcome_lines for p in line.positions}
        return protected.with_suppressed(dict.fromkeys(withheld, Reason.DIVERSITY))
    additions: dict[Position, Reason] = {}
    for group in groups:
        if table.value(group.total) == 0:
            continue
        if sum(1 for p in group.parts if table.value(p) > 0) < min_distinct:
            for part, outcome_total in zip(group.parts, grand.parts, strict=True):
                if table.value(outcome_total) > 0:
                    additions[part] = Reason.DIVERSITY
    return protected.with_suppressed(additions)


def suppress_complementary(
    tables: Sequence[ProtectedTable], *, min_width: int = 1
) -> tuple[ProtectedTable, ...]:
    """Withhold more cells, smallest counts first, until the audit finds none recoverable.

    A cell withheld in one table is withheld wherever the same quantity appears. Then, while the
    audit finds a recoverable cell, we withhold one more published cell that shares a row or
    column with it, or failing that any published cell of the release. Among candidates we
    prefer one whose other row or column already holds a withheld cell (it closes a cycle, which
    is what makes cells unrecoverable), then non-zero counts, then the smallest count, then the
    first in reading order. Each round adds a cell,
    and a release with every cell withheld passes the audit (scaling any solution gives another),
    so the loop ends with a release in which nothing can be recovered.
    """
    current = _synchronise(tuple(tables))
    while (exposed := first_recoverable_cell(current, min_width=min_width)) is not None:
        table_index, position = _complement_for(current, exposed)
        key = current[table_index].table.key(position)
        current = _withhold_key(current, key, Reason.COMPLEMENTARY)
    return current


def protect_tables(
    tables: Sequence[CountTable],
    *,
    threshold: int = PRIMARY_THRESHOLD,
    sensitive_dimensions: Collection[str] = SENSITIVE_DIMENSIONS,
    min_distinct: int = MIN_DISTINCT_OUTCOMES,
    min_width: int = 1,
) -> tuple[ProtectedTable, ...]:
    """Run every suppression step on the tables of one release, which are audited together."""
    protected = [
        suppress_homogeneous_groups(
            suppress_primary(ProtectedTable(table), threshold=threshold),
            sensitive_dimensions=sensitive_dimensions,
            min_distinct=min_distinct,
        )
        for table in tables
    ]
    return suppress_complementary(protected, min_width=min_width)


def _synchronise(tables: tuple[ProtectedTable, ...]) -> tuple[ProtectedTable, ...]:
    """Withhold a quantity in every table once any table withholds it."""
    reasons: dict[CellKey, Reason] = {}
    for protected in tables:
        for position, reason in protected.suppression.items():
            reasons.setdefault(protected.table.key(position), reason)
    return tuple(
        protected.with_suppressed(
            {
                p: reasons[protected.table.key(p)]
                for p in protected.table.positions()
                if protected.table.key(p) in reasons
            }
        )
        for protected in tables
    )


def _withhold_key(
    tables: tuple[ProtectedTable, ...], key: CellKey, reason: Reason
) -> tuple[ProtectedTable, ...]:
    return tuple(
        protected.with_suppressed(
            {p: reason for p in protected.table.positions() if protected.table.key(p) == key}
        )
        for protected in tables
    )


def _complement_for(
    tables: tuple[ProtectedTable, ...], exposed: CellInterval
) -> tuple[int, Position]:
    """The published cell to withhold next so that the exposed cell gains freedom."""
    key = tables[exposed.table_index].table.key(exposed.position)
    neighbours: list[tuple[int, Position]] = []
    for index, protected in enumerate(tables):
        table = protected.table
        for position in table.positions():
            if table.key(position) == key:
                lines: tuple[Line, ...] = table.lines_through(position)
                neighbours.extend((index, p) for line in lines for p in line.positions)
    everywhere = [(i, p) for i, protected in enumerate(tables) for p in protected.table.positions()]
    for pool in (neighbours, everywhere):
        published = [(i, p) for i, p in pool if not tables[i].is_suppressed(p)]
        if published:
            return min(published, key=lambda cell: _preference(tables, cell))
    raise AssertionError("every cell is withheld, yet one is recoverable")


def _preference(
    tables: tuple[ProtectedTable, ...], cell: tuple[int, Position]
) -> tuple[int, bool, int, int, int, int]:
    """Sort key: close a cycle of withheld cells first, then non-zero, smallest, reading order."""
    index, position = cell
    protected = tables[index]
    table = protected.table
    value = table.value(position)
    withheld_lines = sum(
        1
        for line in table.lines_through(position)
        if any(protected.is_suppressed(p) for p in line.positions)
    )
    row = len(table.row_labels) if position.row is None else position.row
    column = len(table.column_labels) if position.column is None else position.column
    return (-withheld_lines, value == 0, value, index, row, column)
