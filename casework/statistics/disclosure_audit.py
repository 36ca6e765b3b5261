"""Audit: can anyone recover a withheld cell from what a release publishes?

The attacker we model is stronger than a real reader, so passing the audit is conservative:

* they know the exact true value of every published cell (rounding to base 5 only widens what
  they can infer, so auditing before rounding is safe);
* they know every additive relation: each row, column, totals row and totals column of every
  table sums to its total, and cells with the same ``CellKey`` in different tables are one value;
* they know every count is a non-negative integer and, because zeros are shown, that a withheld
  cell whose true value is non-zero is at least 1.

For each withheld cell we compute its feasible interval ``[lower, upper]``: the least and greatest
value it can take in any assignment consistent with all of the above (two exact linear
programmes per cell, see ``disclosure_lp``). A cell is *recoverable* when the interval is
narrower than ``min_width`` (default 1: its value is uniquely determined).

Exactness: for one table with margins, and for two tables sharing one margin, the relations form
a network matrix, which is totally unimodular, so the linear-programming interval rounded inward
is exactly the integer interval. With three or more tables linked through the same margin the
integer interval can in principle be narrower than the one computed here; the release builder
should prefer releases whose tables share at most one margin pairwise (the unit tests check the
network case against brute-force enumeration).

l-diversity (l = 2) follows from this audit: the diversity step withholds a homogeneous group's
split in every outcome present in the table, zeros included (or the whole split if the table has
a single outcome). A withheld zero that is not pinned can be positive in some consistent
assignment, so a reader cannot prove the group had only one outcome, whether or not its total
is published. (For l > 2 the audit alone would not suffice.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from casework.statistics.disclosure_lp import Equality, variable_bounds
from casework.statistics.disclosure_model import CellKey, Position, ProtectedTable


@dataclass(frozen=True)
class CellInterval:
    """The range an attacker can narrow a withheld cell to; ``upper`` None means unbounded."""

    table_index: int
    position: Position
    lower: int
    upper: int | None

    @property
    def width(self) -> float:
        """``upper - lower``, infinite when unbounded."""
        return math.inf if self.upper is None else self.upper - self.lower


@dataclass(frozen=True)
class _System:
    """The release as linear equalities over its hidden quantities."""

    values: dict[CellKey, int]
    hidden: tuple[CellKey, ...]
    equalities: tuple[tuple[frozenset[tuple[CellKey, int]], int], ...]


def _build_system(tables: Sequence[ProtectedTable]) -> _System:
    values: dict[CellKey, int] = {}
    published: set[CellKey] = set()
    for protected in tables:
        table = protected.table
        for position in table.positions():
            key, value = table.key(position), table.value(position)
            if values.setdefault(key, value) != value:
                raise ValueError(f"tables disagree on a shared cell of {table.population!r}")
            if not protected.is_suppressed(position):
                published.add(key)
    hidden = tuple(key for key in values if key not in published)
    hidden_set = set(hidden)
    equalities: set[tuple[frozenset[tuple[CellKey, int]], int]] = set()
    for protected in tables:
        table = protected.table
        for line in table.lines:
            terms = [(table.key(p), 1) for p in line.parts] + [(table.key(line.total), -1)]
            unknown = frozenset((key, c) for key, c in terms if key in hidden_set)
            if unknown:
                rhs = -sum(c * values[key] for key, c in terms if key not in hidden_set)
                equalities.add((unknown, rhs))
    return _System(values, hidden, tuple(sorted(equalities, key=_canonical_equality)))


def _canonical_key(key: CellKey) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A cell key in a form whose order does not depend on string hashing (frozensets do)."""
    population, coordinates = key
    return population, tuple(sorted(coordinates))


def _canonical_equality(
    equality: tuple[frozenset[tuple[CellKey, int]], int],
) -> tuple[list[tuple[tuple[str, tuple[tuple[str, str], ...]], int]], int]:
    terms, rhs = equality
    return sorted((_canonical_key(key), c) for key, c in terms), rhs


def _components(system: _System) -> Iterator[tuple[list[CellKey], list[Equality]]]:
    """Independent groups of hidden quantities, each with its own equalities."""
    parent = {key: key for key in system.hidden}

    def find(key: CellKey) -> CellKey:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for terms, _ in system.equalities:
        first, *rest = (key for key, _ in terms)
        for key in rest:
            parent[find(key)] = find(first)
    groups: dict[CellKey, list[CellKey]] = {}
    for key in system.hidden:
        groups.setdefault(find(key), []).append(key)
    for keys in groups.values():
        index = {key: i for i, key in enumerate(keys)}
        equalities = [
            Equality(dict(sorted((index[key], c) for key, c in terms)), rhs)
            for terms, rhs in system.equalities
            if next(iter(terms))[0] in index
        ]
        yield keys, equalities


def _key_bounds(system: _System, stop_below: float | None) -> dict[CellKey, tuple[int, int | None]]:
    """Integer interval of each hidden quantity; stops early once one is narrower than asked."""
    bounds: dict[CellKey, tuple[int, int | None]] = {}
    if stop_below is not None:
        # Cheap first: a relation with a single unknown pins it, no programme needed.
        for terms, _ in system.equalities:
            if len(terms) == 1:
                ((key, _),) = terms
                return {key: (system.values[key], system.values[key])}
    for keys, equalities in _components(system):
        lower_bounds = [1 if system.values[key] > 0 else 0 for key in keys]
        for key, (least, greatest) in zip(
            keys, variable_bounds(equalities, lower_bounds), strict=True
        ):
            upper = None if greatest is None else math.floor(greatest)
            bounds[key] = (math.ceil(least), upper)
            if (
                stop_below is not None
                and upper is not None
                and upper - math.ceil(least) < stop_below
            ):
                return bounds
    return bounds


def _intervals(tables: Sequence[ProtectedTable], stop_below: float | None) -> list[CellInterval]:
    system = _build_system(tables)
    bounds = _key_bounds(system, stop_below)
    intervals: list[CellInterval] = []
    for index, protected in enumerate(tables):
        table = protected.table
        for position in table.positions():
            if not protected.is_suppressed(position):
                continue
            key = table.key(position)
            if key in bounds:
                lower, upper = bounds[key]
            elif key in system.hidden:
                continue  # not reached: the audit stopped early
            else:
                lower = upper = system.values[key]  # published by another table
            intervals.append(CellInterval(index, position, lower, upper))
    return intervals


def cell_intervals(tables: Sequence[ProtectedTable]) -> tuple[CellInterval, ...]:
    """The feasible interval of every withheld cell of a release, given everything published."""
    return tuple(_intervals(tables, stop_below=None))


def recoverable_cells(
    tables: Sequence[ProtectedTable], *, min_width: int = 1
) -> tuple[CellInterval, ...]:
    """Withheld cells an attacker can narrow to an interval narrower than ``min_width``."""
    return tuple(i for i in _intervals(tables, stop_below=None) if i.width < min_width)


def first_recoverable_cell(
    tables: Sequence[ProtectedTable], *, min_width: int = 1
) -> CellInterval | None:
    """One recoverable withheld cell, or None; faster than a full audit when one exists."""
    return next((i for i in _intervals(tables, stop_below=min_width) if i.width < min_width), None)
