from hypothesis import HealthCheck, given, settings

from casework.statistics.disclosure_audit import recoverable_cells
from casework.statistics.disclosure_model import (
    GRAND_TOTAL,
    CountTable,
    Position,
    ProtectedTable,
    Reason,
)
from casework.statistics.disclosure_suppression import (
    protect_tables,
    suppress_complementary,
    suppress_homogeneous_groups,
    suppress_primary,
)
from tests.unit.statistics.brute_force import feasible_values
from tests.unit.statistics.strategies import OUTCOMES, case_records, count_tables, linked_tables

slow = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome_table(counts: list[list[int]]) -> CountTable:
    return CountTable(
        title="closed cases by entity and outcome",
        population="closed",
        row_dimension="entity",
        column_dimension="outcome",
        row_labels=tuple(f"E{r}" for r in range(len(counts))),
        column_labels=OUTCOMES,
        counts=tuple(map(tuple, counts)),
    )


@settings(deadline=None)
@given(count_tables(max_rows=4, max_columns=4))
def test_primary_suppression_withholds_exactly_the_counts_1_to_9(table: CountTable) -> None:
    protected = suppress_primary(ProtectedTable(table))

    for position in table.positions():
        assert protected.is_suppressed(position) == (1 <= table.value(position) <= 9)
    assert set(protected.suppression.values()) <= {Reason.PRIMARY}


def test_homogeneous_group_has_its_outcome_split_withheld_but_not_its_total() -> None:
    table = outcome_table([[12, 0, 0], [20, 15, 30], [11, 10, 25]])

    protected = suppress_homogeneous_groups(ProtectedTable(table))

    assert set(protected.suppression) == {Position(0, 0), Position(0, 1), Position(0, 2)}
    assert set(protected.suppression.values()) == {Reason.DIVERSITY}


def test_outcome_absent_from_the_whole_table_stays_a_published_zero() -> None:
    table = outcome_table([[12, 0, 0], [20, 0, 30], [11, 0, 25]])

    protected = suppress_homogeneous_groups(ProtectedTable(table))

    assert set(protected.suppression) == {Position(0, 0), Position(0, 2)}


def test_table_with_a_single_outcome_withholds_the_whole_split() -> None:
    table = outcome_table([[12, 0, 0], [20, 0, 0]])

    protected = suppress_homogeneous_groups(ProtectedTable(table))

    row_totals = {Position(0, None), Position(1, None), GRAND_TOTAL}
    assert set(protected.suppression) == set(table.positions()) - row_totals


def test_tables_without_an_outcome_dimension_are_left_alone() -> None:
    table = CountTable("t", "cases", "entity", "quarter", ("A",), ("Q1", "Q2"), ((12, 0),))

    assert suppress_homogeneous_groups(ProtectedTable(table)) == ProtectedTable(table)


def test_complementary_suppression_prefers_the_smallest_count() -> None:
    table = CountTable(
        "t",
        "cases",
        "entity",
        "quarter",
        ("A", "B"),
        ("Q1", "Q2", "Q3"),
        ((3, 40, 12), (30, 50, 45)),
    )

    [protected] = suppress_complementary([suppress_primary(ProtectedTable(table))])

    assert protected.suppression[Position(0, 2)] is Reason.COMPLEMENTARY
    assert recoverable_cells([protected]) == ()


def test_outcome_split_of_a_homogeneous_group_cannot_be_recovered() -> None:
    table = outcome_table([[12, 0, 0], [20, 15, 30], [11, 10, 25]])

    [protected] = protect_tables([table])

    assert recoverable_cells([protected]) == ()
    assert all(protected.is_suppressed(Position(0, c)) for c in range(3))


@slow
@given(count_tables(max_rows=3, max_columns=3))
def test_no_withheld_cell_of_a_protected_table_can_be_recovered(table: CountTable) -> None:
    [protected] = protect_tables([table])

    assert recoverable_cells([protected]) == ()
    for cell, values in feasible_values([protected], radius=1).items():
        assert len(values) >= 2, cell


@slow
@given(case_records())
def test_no_withheld_cell_of_linked_tables_can_be_recovered(
    records: list[tuple[str, str, str]],
) -> None:
    protected = protect_tables(linked_tables(records))

    assert recoverable_cells(protected) == ()
    for cell, values in feasible_values(protected, radius=1).items():
        assert len(values) >= 2, cell


@slow
@given(case_records())
def test_linked_tables_withhold_a_shared_margin_in_both_or_neither(
    records: list[tuple[str, str, str]],
) -> None:
    by_quarter, by_outcome = protect_tables(linked_tables(records))

    for r in range(len(by_quarter.table.row_labels)):
        assert by_quarter.is_suppressed(Position(r, None)) == by_outcome.is_suppressed(
            Position(r, None)
        )
    assert by_quarter.is_suppressed(GRAND_TOTAL) == by_outcome.is_suppressed(GRAND_TOTAL)


@slow
@given(case_records())
def test_protection_is_idempotent(records: list[tuple[str, str, str]]) -> None:
    once = protect_tables(linked_tables(records))

    assert suppress_complementary(once) == once
    assert tuple(suppress_homogeneous_groups(suppress_primary(t)) for t in once) == once


@slow
@given(case_records())
def test_outcome_split_is_published_only_for_groups_with_two_outcomes(
    records: list[tuple[str, str, str]],
) -> None:
    _, by_outcome = protect_tables(linked_tables(records))
    table = by_outcome.table

    for line in table.row_lines:
        shown = [p for p in line.parts if not by_outcome.is_suppressed(p) and table.value(p) > 0]
        if shown:
            assert sum(1 for p in line.parts if table.value(p) > 0) >= 2
