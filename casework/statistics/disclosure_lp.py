"""Exact bounds of variables under linear equalities: a small rational simplex.

The disclosure audit asks, for each withheld cell, the least and greatest value it can take
given everything published. That is two linear programmes per cell over the equalities
``sum(coefficient * x) == rhs`` with ``x >= lower_bound``. We solve them with a dense two-phase
tableau simplex in exact rationals (no rounding error) using Bland's rule (no cycling). The
systems are small: only withheld cells are variables, and the audit splits them into independent
components first.

Entries stay Python ints while they are whole, and become ``Fraction`` only when a division
leaves a remainder. Table margins give coefficients of 0 and 1, so nearly every pivot divides by
1 and the arithmetic is integer: the same exact answers, many times faster than Fractions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Equality:
    """``sum(coefficients[v] * x[v]) == rhs`` over variables numbered from 0."""

    coefficients: Mapping[int, int]
    rhs: int


# An exact rational: an int while whole, a Fraction otherwise.
Number = int | Fraction


def _divide(numerator: Number, denominator: Number) -> Number:
    """Exact quotient, kept an int whenever it is whole."""
    if denominator == 1:
        return numerator
    if denominator == -1:
        return -numerator
    quotient = Fraction(numerator) / denominator
    return quotient.numerator if quotient.denominator == 1 else quotient


class InfeasibleSystemError(ValueError):
    """The equalities have no solution within the bounds: the inputs are inconsistent."""


class _Tableau:
    """Simplex tableau ``rows`` (last column is the right-hand side) with its basis."""

    def __init__(self, rows: list[list[Number]], basis: list[int]) -> None:
        self.rows = rows
        self.basis = basis

    def copy(self) -> _Tableau:
        return _Tableau([row[:] for row in self.rows], self.basis[:])

    def pivot(self, pivot_row: int, column: int) -> None:
        row = self.rows[pivot_row]
        factor = row[column]
        nonzero = [j for j, entry in enumerate(row) if entry]
        for j in nonzero:
            row[j] = _divide(row[j], factor)
        for i, other in enumerate(self.rows):
            if i != pivot_row and other[column]:
                scale = other[column]
                for j in nonzero:
                    other[j] -= scale * row[j]
        self.basis[pivot_row] = column

    def minimise(self, cost: Sequence[Number], allowed: int) -> Number | None:
        """Minimise ``cost . x`` over columns ``< allowed``; ``None`` when unbounded below."""
        width = len(cost)
        reduced = list(cost)
        value: Number = 0
        for row, basic in zip(self.rows, self.basis, strict=True):
            weight = cost[basic]
            if weight:
                for j in range(width):
                    reduced[j] -= weight * row[j]
                value += weight * row[-1]
        while True:
            entering = next((j for j in range(allowed) if reduced[j] < 0), None)
            if entering is None:
                return value
            best: tuple[Number, int, int] | None = None
            for i, row in enumerate(self.rows):
                if row[entering] > 0:
                    candidate = (_divide(row[-1], row[entering]), self.basis[i], i)
                    if best is None or candidate < best:
                        best = candidate
            if best is None:
                return None
            leaving_row = best[2]
            step = reduced[entering]
            self.pivot(leaving_row, entering)
            pivot_row = self.rows[leaving_row]
            for j in range(width):
                reduced[j] -= step * pivot_row[j]
            value += step * pivot_row[-1]


def variable_bounds(
    equalities: Sequence[Equality], lower_bounds: Sequence[int]
) -> list[tuple[Fraction, Fraction | None]]:
    """Least and greatest value of each variable (``None``: unbounded above) over the system."""
    count = len(lower_bounds)
    rows: list[list[Number]] = []
    for equality in equalities:
        shifted = equality.rhs - sum(
            coefficient * lower_bounds[v] for v, coefficient in equality.coefficients.items()
        )
        sign = -1 if shifted < 0 else 1
        row: list[Number] = [0] * (count + len(equalities) + 1)
        for v, coefficient in equality.coefficients.items():
            row[v] = sign * coefficient
        row[count + len(rows)] = 1
        row[-1] = sign * shifted
        rows.append(row)
    width = count + len(rows)
    tableau = _Tableau(rows, [count + i for i in range(len(rows))])
    phase_one: list[Number] = [*([0] * count), *([1] * len(rows)), 0]
    if tableau.minimise(phase_one[:width], width) != 0:
        raise InfeasibleSystemError("the published figures contradict each other")
    _drive_out_artificials(tableau, count)
    bounds: list[tuple[Fraction, Fraction | None]] = []
    for v in range(count):
        cost: list[Number] = [0] * width
        cost[v] = 1
        least = tableau.copy().minimise(cost, count)
        cost[v] = -1
        negated_greatest = tableau.copy().minimise(cost, count)
        assert least is not None  # x >= 0 after the shift, so never unbounded below
        greatest = None if negated_greatest is None else -negated_greatest
        bounds.append(
            (
                Fraction(least + lower_bounds[v]),
                None if greatest is None else Fraction(greatest + lower_bounds[v]),
            )
        )
    return bounds


def _drive_out_artificials(tableau: _Tableau, count: int) -> None:
    """Pivot zero-level artificials out of the basis; drop rows that turn out redundant."""
    for i in reversed(range(len(tableau.rows))):
        if tableau.basis[i] < count:
            continue
        column = next((j for j in range(count) if tableau.rows[i][j]), None)
        if column is None:
            del tableau.rows[i]
            del tableau.basis[i]
        else:
            tableau.pivot(i, column)
