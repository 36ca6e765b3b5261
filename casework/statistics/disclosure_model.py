"""Two-way tables as they pass through disclosure control: true, protected, published.

A table's margins (row totals, column totals, grand total) are cells like any other: they are
derived from the true counts, suppressed by the same rules and rounded independently.

Cells of different tables are *the same quantity* when they count the same population over the
same coordinates: ``CellKey`` is ``(population, {(dimension, label), ...})``. So two tables of
opened cases, entity x quarter and entity x category, share their entity totals and grand total,
and the audit treats those shared margins as one unknown. Every table of a release must therefore
be built after pooling, with the same label maps, so no table is a finer breakdown of another.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import NamedTuple, TypeAlias

CellKey: TypeAlias = tuple[str, frozenset[tuple[str, str]]]


class Position(NamedTuple):
    """Where a cell sits in a table; ``None`` on an axis means the total along that axis."""

    row: int | None
    column: int | None

    @property
    def is_margin(self) -> bool:
        """Whether the cell is a row total, a column total or the grand total."""
        return self.row is None or self.column is None


GRAND_TOTAL = Position(None, None)


class Reason(enum.Enum):
    """Why a cell is withheld: kept internally, never published."""

    PRIMARY = "primary"
    DIVERSITY = "diversity"
    COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class Line:
    """An additive relation of a table: the parts sum to the total."""

    parts: tuple[Position, ...]
    total: Position

    @property
    def positions(self) -> tuple[Position, ...]:
        """The parts followed by the total."""
        return (*self.parts, self.total)


@dataclass(frozen=True)
class CountTable:
    """True counts of a two-way table; margins are derived, never stored."""

    title: str
    population: str
    row_dimension: str
    column_dimension: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if self.row_dimension == self.column_dimension:
            raise ValueError("a table needs two different dimensions")
        for labels in (self.row_labels, self.column_labels):
            if not labels or len(set(labels)) != len(labels):
                raise ValueError("labels must be non-empty and unique")
        if len(self.counts) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.counts
        ):
            raise ValueError("counts must have one row per row label and one column per column")
        if any(type(count) is not int or count < 0 for row in self.counts for count in row):
            raise ValueError("counts must be non-negative integers")

    @classmethod
    def from_pairs(
        cls,
        *,
        title: str,
        population: str,
        row_dimension: str,
        column_dimension: str,
        row_labels: Sequence[str],
        column_labels: Sequence[str],
        pairs: Iterable[tuple[str, str]],
    ) -> CountTable:
        """Count ``(row label, column label)`` pairs, one per case or stage, into a table."""
        return cls.from_counts(
            title=title,
            population=population,
            row_dimension=row_dimension,
            column_dimension=column_dimension,
            row_labels=row_labels,
            column_labels=column_labels,
            counts=Counter(pairs),
        )

    @classmethod
    def from_counts(
        cls,
        *,
        title: str,
        population: str,
        row_dimension: str,
        column_dimension: str,
        row_labels: Sequence[str],
        column_labels: Sequence[str],
        counts: Mapping[tuple[str, str], int],
    ) -> CountTable:
        """A table from counts already tallied by ``(row label, column label)``."""
        tally = {pair: count for pair, count in counts.items() if count}
        unknown = {
            pair for pair in tally if pair[0] not in row_labels or pair[1] not in column_labels
        }
        if unknown:
            raise ValueError(f"{len(unknown)} label pair(s) outside the table: pool labels first")
        return cls(
            title=title,
            population=population,
            row_dimension=row_dimension,
            column_dimension=column_dimension,
            row_labels=tuple(row_labels),
            column_labels=tuple(column_labels),
            counts=tuple(
                tuple(tally.get((row, column), 0) for column in column_labels) for row in row_labels
            ),
        )

    @cached_property
    def row_totals(self) -> tuple[int, ...]:
        """True total of each row."""
        return tuple(sum(row) for row in self.counts)

    @cached_property
    def column_totals(self) -> tuple[int, ...]:
        """True total of each column."""
        return tuple(sum(column) for column in zip(*self.counts, strict=True))

    @property
    def grand_total(self) -> int:
        """True total of the table."""
        return sum(self.row_totals)

    def value(self, position: Position) -> int:
        """True count at a position, margins included."""
        row, column = position
        if row is None and column is None:
            return self.grand_total
        if row is None:
            assert column is not None
            return self.column_totals[column]
        if column is None:
            return self.row_totals[row]
        return self.counts[row][column]

    def positions(self) -> tuple[Position, ...]:
        """Every cell, row by row, each row followed by its total, the totals row last."""
        rows: list[int | None] = [*range(len(self.row_labels)), None]
        columns: list[int | None] = [*range(len(self.column_labels)), None]
        return tuple(Position(row, column) for row in rows for column in columns)

    def key(self, position: Position) -> CellKey:
        """The quantity a cell counts, shared by every table of the same population."""
        row, column = position
        coordinates: set[tuple[str, str]] = set()
        if row is not None:
            coordinates.add((self.row_dimension, self.row_labels[row]))
        if column is not None:
            coordinates.add((self.column_dimension, self.column_labels[column]))
        return (self.population, frozenset(coordinates))

    @cached_property
    def row_lines(self) -> tuple[Line, ...]:
        """Each row summing to its row total, then the column totals summing to the grand total."""
        columns = range(len(self.column_labels))
        rows: list[int | None] = [*range(len(self.row_labels)), None]
        return tuple(Line(tuple(Position(r, c) for c in columns), Position(r, None)) for r in rows)

    @cached_property
    def column_lines(self) -> tuple[Line, ...]:
        """Each column summing to its total, then the row totals summing to the grand total."""
        rows = range(len(self.row_labels))
        columns: list[int | None] = [*range(len(self.column_labels)), None]
        return tuple(Line(tuple(Position(r, c) for r in rows), Position(None, c)) for c in columns)

    @property
    def lines(self) -> tuple[Line, ...]:
        """Every additive relation of the table."""
        return self.row_lines + self.column_lines

    def lines_through(self, position: Position) -> tuple[Line, ...]:
        """The additive relations a cell takes part in, as a part or as the total."""
        return tuple(line for line in self.lines if position in line.positions)


@dataclass(frozen=True)
class ProtectedTable:
    """True counts plus the cells chosen for suppression and why; internal, never published."""

    table: CountTable
    suppression: Mapping[Position, Reason] = field(default_factory=dict)

    def __post_init__(self) -> None:
        valid = set(self.table.positions())
        if any(position not in valid for position in self.suppression):
            raise ValueError("suppressed position outside the table")
        object.__setattr__(self, "suppression", MappingProxyType(dict(self.suppression)))

    def is_suppressed(self, position: Position) -> bool:
        """Whether the cell is withheld."""
        return position in self.suppression

    def with_suppressed(self, additions: Mapping[Position, Reason]) -> ProtectedTable:
        """A copy with more cells withheld; a cell already withheld keeps its first reason."""
        merged = {**additions, **self.suppression}
        if len(merged) == len(self.suppression):
            return self
        return ProtectedTable(self.table, merged)


@dataclass(frozen=True)
class PublishedCell:
    """A published figure: a count (rounded, or 0) or ``None`` when withheld."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        """Whether the figure is withheld; primary and complementary look the same."""
        return self.value is None


@dataclass(frozen=True)
class PublishedTable:
    """What leaves the system: labels and published cells, no true counts, no reasons."""

    title: str
    population: str
    row_dimension: str
    column_dimension: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[PublishedCell, ...], ...]
    row_totals: tuple[PublishedCell, ...]
    column_totals: tuple[PublishedCell, ...]
    grand_total: PublishedCell

    def cell(self, position: Position) -> PublishedCell:
        """The published figure at a position, margins included."""
        row, column = position
        if row is None and column is None:
            return self.grand_total
        if row is None:
            assert column is not None
            return self.column_totals[column]
        if column is None:
            return self.row_totals[row]
        return self.cells[row][column]
