from fractions import Fraction

import pytest

from casework.statistics.disclosure_lp import Equality, InfeasibleSystemError, variable_bounds


def test_bounds_of_two_cells_sharing_a_total() -> None:
    assert variable_bounds([Equality({0: 1, 1: 1}, 7)], [1, 0]) == [
        (Fraction(1), Fraction(7)),
        (Fraction(0), Fraction(6)),
    ]


def test_unconstrained_direction_is_unbounded_above() -> None:
    assert variable_bounds([Equality({0: 1, 1: -1}, 2)], [0, 0]) == [
        (Fraction(2), None),
        (Fraction(0), None),
    ]


def test_redundant_equalities_are_tolerated() -> None:
    equalities = [Equality({0: 1, 1: 1}, 5), Equality({0: 2, 1: 2}, 10), Equality({0: 1}, 2)]

    assert variable_bounds(equalities, [0, 0]) == [
        (Fraction(2), Fraction(2)),
        (Fraction(3), Fraction(3)),
    ]


def test_contradictory_equalities_are_reported() -> None:
    with pytest.raises(InfeasibleSystemError):
        variable_bounds([Equality({0: 1}, 3), Equality({0: 1}, 4)], [0])
