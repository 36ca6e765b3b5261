import pytest

from casework.statistics.disclosure_model import (
    GRAND_TOTAL,
    CountTable,
    Position,
    ProtectedTable,
    PublishedCell,
    Reason,
)


def make(**overrides: object) -> CountTable:
    fields: dict[str, object] = {
        "title": "t",
        "population": "cases",
        "row_dimension": "entity",
        "column_dimension": "quarter",
        "row_labels": ("A", "B"),
        "column_labels": ("Q1", "Q2", "Q3"),
        "counts": ((1, 2, 3), (10, 20, 30)),
    }
    return CountTable(**{**fields, **overrides})  # type: ignore[arg-type]


def test_margins_are_derived_from_the_counts() -> None:
    table = make()

    assert table.value(Position(1, None)) == 60
    assert table.value(Position(None, 2)) == 33
    assert table.value(GRAND_TOTAL) == 66
    assert len(table.positions()) == 3 * 4


def test_every_line_adds_up() -> None:
    table = make()

    for line in table.lines:
        assert sum(table.value(p) for p in line.parts) == table.value(line.total)
    assert len(table.lines) == 3 + 4


@pytest.mark.parametrize(
    "overrides",
    [
        {"counts": ((1, 2), (3, 4))},
        {"counts": ((1, 2, -3), (1, 2, 3))},
        {"row_labels": ("A", "A")},
        {"column_dimension": "entity"},
    ],
)
def test_malformed_tables_are_rejected(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make(**overrides)


def test_from_pairs_counts_pairs_and_rejects_unpooled_labels() -> None:
    table = CountTable.from_pairs(
        title="t",
        population="cases",
        row_dimension="entity",
        column_dimension="quarter",
        row_labels=["A", "B"],
        column_labels=["Q1"],
        pairs=[("A", "Q1"), ("A", "Q1"), ("B", "Q1")],
    )
    assert table.counts == ((2,), (1,))
    with pytest.raises(ValueError, match="pool labels first"):
        CountTable.from_pairs(
            title="t",
            population="cases",
            row_dimension="entity",
            column_dimension="quarter",
            row_labels=["A"],
            column_labels=["Q1"],
            pairs=[("tiny", "Q1")],
        )


def test_tables_of_one_population_share_margin_keys() -> None:
    by_quarter = make()
    by_outcome = make(column_dimension="outcome", column_labels=("x",), counts=((6,), (60,)))

    assert by_quarter.key(Position(0, None)) == by_outcome.key(Position(0, None))
    assert by_quarter.key(GRAND_TOTAL) == by_outcome.key(GRAND_TOTAL)
    assert by_quarter.key(Position(0, 0)) != by_outcome.key(Position(0, 0))
    assert make(population="closed").key(GRAND_TOTAL) != by_quarter.key(GRAND_TOTAL)


def test_protected_table_keeps_the_first_reason_and_rejects_foreign_positions() -> None:
    protected = ProtectedTable(make(), {Position(0, 0): Reason.PRIMARY})

    again = protected.with_suppressed({Position(0, 0): Reason.COMPLEMENTARY})

    assert again.suppression[Position(0, 0)] is Reason.PRIMARY
    with pytest.raises(ValueError):
        ProtectedTable(make(), {Position(5, 0): Reason.PRIMARY})


def test_published_cell_is_suppressed_only_without_a_value() -> None:
    assert PublishedCell(None).suppressed
    assert not PublishedCell(0).suppressed
