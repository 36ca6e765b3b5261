"""Rounding to base 5 after suppression, and percentages that respect the threshold."""

from __future__ import annotations

from casework.statistics.disclosure_model import (
    Position,
    ProtectedTable,
    PublishedCell,
    PublishedTable,
)

ROUNDING_BASE = 5
PERCENTAGE_MINIMUM = 10


def round_to_base(value: int, base: int = ROUNDING_BASE) -> int:
    """Nearest multiple of ``base``; halves round up (never arises for an odd base such as 5).

    With base 5 every published count is within 2 of the truth, and a count of 10 or more never
    rounds below 10; 0 stays 0.
    """
    if value < 0 or base < 1:
        raise ValueError("rounding needs a non-negative value and a positive base")
    return (value + base // 2) // base * base


def percentage(
    numerator: int, denominator: int, *, minimum: int = PERCENTAGE_MINIMUM
) -> int | None:
    """Whole percent (halves up) from true counts, or None unless both are at least ``minimum``."""
    if numerator < minimum or denominator < minimum:
        return None
    if numerator > denominator:
        raise ValueError("a share cannot exceed its whole")
    return (200 * numerator + denominator) // (2 * denominator)


def publish_table(protected: ProtectedTable, *, base: int = ROUNDING_BASE) -> PublishedTable:
    """The table as released: withheld cells blank, every other cell rounded on its own.

    Totals are rounded from their true values, not summed from rounded cells, so a published
    total may differ from the sum of the published cells it covers.
    """
    table = protected.table

    def cell(position: Position) -> PublishedCell:
        if protected.is_suppressed(position):
            return PublishedCell(None)
        return PublishedCell(round_to_base(table.value(position), base))

    rows = range(len(table.row_labels))
    columns = range(len(table.column_labels))
    return PublishedTable(
        title=table.title,
        population=table.population,
        row_dimension=table.row_dimension,
        column_dimension=table.column_dimension,
        row_labels=table.row_labels,
        column_labels=table.column_labels,
        cells=tuple(tuple(cell(Position(r, c)) for c in columns) for r in rows),
        row_totals=tuple(cell(Position(r, None)) for r in rows),
        column_totals=tuple(cell(Position(None, c)) for c in columns),
        grand_total=cell(Position(None, None)),
    )
