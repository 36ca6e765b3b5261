from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.statistics.disclosure_audit import (
    cell_intervals,
    first_recoverable_cell,
    recoverable_cells,
)
from casework.statistics.disclosure_model import (
    GRAND_TOTAL,
    CountTable,
    Position,
    ProtectedTable,
    Reason,
)
from tests.unit.statistics.brute_force import feasible_values
from tests.unit.statistics.strategies import count_tables, suppression_patterns

P = Reason.PRIMARY


def table(counts: list[list[int]], *, column_dimension: str = "quarter") -> CountTable:
    return CountTable(
        title="t",
        population="cases",
        row_dimension="entity",
        column_dimension=column_dimension,
        row_labels=tuple(f"E{r}" for r in range(len(counts))),
        column_labels=tuple(f"C{c}" for c in range(len(counts[0]))),
        counts=tuple(map(tuple, counts)),
    )


def test_lone_suppressed_cell_in_a_row_is_recoverable_from_the_row_total() -> None:
    protected = ProtectedTable(table([[3, 20], [15, 12]]), {Position(0, 0): P})

    [exposed] = recoverable_cells([protected])

    assert (exposed.position, exposed.lower, exposed.upper) == (Position(0, 0), 3, 3)


def test_rectangle_of_suppressed_cells_is_not_recoverable() -> None:
    counts = [[3, 20, 11], [4, 12, 30], [15, 14, 13]]
    rectangle = {Position(0, 0): P, Position(0, 1): P, Position(1, 0): P, Position(1, 1): P}

    intervals = {
        i.position: (i.lower, i.upper)
        for i in cell_intervals([ProtectedTable(table(counts), rectangle)])
    }

    # x00 + x01 = 23, x00 + x10 = 7, x10 + x11 = 16, each at least 1.
    assert intervals[Position(0, 0)] == (1, 6)
    assert intervals[Position(1, 1)] == (10, 15)
    assert recoverable_cells([ProtectedTable(table(counts), rectangle)]) == ()


def test_suppressed_grand_total_with_everything_else_suppressed_is_unbounded() -> None:
    t = table([[3]])
    protected = ProtectedTable(t, dict.fromkeys(t.positions(), P))

    assert {i.upper for i in cell_intervals([protected])} == {None}
    assert recoverable_cells([protected]) == ()


def test_cell_published_in_a_linked_table_counts_as_recovered() -> None:
    by_quarter = table([[3, 20], [15, 12]])
    by_outcome = table([[13, 10], [20, 7]], column_dimension="outcome")
    hidden_total = ProtectedTable(by_quarter, {Position(0, None): P, Position(1, None): P})

    exposed = recoverable_cells([hidden_total, ProtectedTable(by_outcome)])

    assert {(e.table_index, e.position) for e in exposed} == {
        (0, Position(0, None)),
        (0, Position(1, None)),
    }


def test_shared_margins_let_one_table_recover_another() -> None:
    # Each table is safe alone; together their shared entity totals pin cells of both.
    by_quarter = table([[1, 12], [2, 4], [2, 15]])
    by_outcome = table([[12, 1], [5, 1], [7, 10]], column_dimension="outcome")
    row_totals = [Position(r, None) for r in range(3)]
    quarter_hidden = [*row_totals, Position(0, 0), Position(0, 1), Position(1, 0), Position(2, 1)]
    outcome_hidden = [*row_totals, Position(0, 1), Position(1, 1), Position(2, 1)]
    tables = [
        ProtectedTable(by_quarter, dict.fromkeys(quarter_hidden, P)),
        ProtectedTable(by_outcome, dict.fromkeys(outcome_hidden, P)),
    ]

    assert recoverable_cells([tables[0]]) == ()
    assert recoverable_cells([tables[1]]) == ()
    linked = {(i.table_index, i.position) for i in recoverable_cells(tables)}
    assert (0, Position(1, None)) in linked
    brute = feasible_values(tables, radius=1)
    assert linked == {cell for cell, values in brute.items() if len(values) == 1}


def test_first_recoverable_cell_agrees_with_the_full_audit() -> None:
    safe = ProtectedTable(table([[3, 20], [15, 12]]))
    unsafe = ProtectedTable(table([[3, 20], [15, 12]]), {GRAND_TOTAL: P})

    assert first_recoverable_cell([safe]) is None
    assert first_recoverable_cell([unsafe]) in recoverable_cells([unsafe])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_audit_agrees_with_brute_force_on_which_cells_are_pinned(data: st.DataObject) -> None:
    protected = data.draw(suppression_patterns(data.draw(count_tables())))

    brute = feasible_values([protected], radius=1)
    audited = {(i.table_index, i.position): i.lower == i.upper for i in cell_intervals([protected])}

    assert audited == {cell: len(values) == 1 for cell, values in brute.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_audit_intervals_equal_brute_force_intervals_when_grand_total_is_published(
    data: st.DataObject,
) -> None:
    small = st.integers(0, 6)
    rows, columns = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    counts = data.draw(
        st.lists(st.lists(small, min_size=columns, max_size=columns), min_size=rows, max_size=rows)
    )
    protected = data.draw(suppression_patterns(table(counts)))
    if protected.is_suppressed(GRAND_TOTAL):
        protected = ProtectedTable(
            protected.table, {p: r for p, r in protected.suppression.items() if p != GRAND_TOTAL}
        )

    brute = feasible_values([protected], cap=protected.table.grand_total)

    for interval in cell_intervals([protected]):
        values = brute[(interval.table_index, interval.position)]
        assert (interval.lower, interval.upper) == (min(values), max(values))
