import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.statistics.disclosure_model import CountTable, ProtectedTable
from casework.statistics.disclosure_rounding import percentage, publish_table, round_to_base
from casework.statistics.disclosure_suppression import protect_tables
from tests.unit.statistics.strategies import count_tables


@given(st.integers(0, 10_000))
def test_rounding_gives_the_nearest_multiple_of_five(value: int) -> None:
    rounded = round_to_base(value)

    assert rounded % 5 == 0
    assert abs(rounded - value) <= 2
    assert (value >= 10) <= (rounded >= 10)


@pytest.mark.parametrize(("value", "rounded"), [(0, 0), (10, 10), (12, 10), (13, 15), (14, 15)])
def test_rounding_examples(value: int, rounded: int) -> None:
    assert round_to_base(value) == rounded


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(10, 10, 100), (10, 30, 33), (20, 30, 67), (9, 30, None), (10, 9, None), (0, 50, None)],
)
def test_percentages_need_ten_on_both_sides(
    numerator: int, denominator: int, expected: int | None
) -> None:
    assert percentage(numerator, denominator) == expected


@settings(deadline=None, max_examples=60)
@given(count_tables(max_rows=4, max_columns=4))
def test_every_published_figure_is_the_truth_rounded_and_every_small_count_is_withheld(
    table: CountTable,
) -> None:
    [protected] = protect_tables([table])

    published = publish_table(protected)

    for position in table.positions():
        truth, cell = table.value(position), published.cell(position)
        if 1 <= truth <= 9:
            assert cell.suppressed
        if cell.value is not None:
            assert cell.value == round_to_base(truth)


def test_totals_are_rounded_from_the_truth_not_summed() -> None:
    table = CountTable(
        "t", "cases", "entity", "quarter", ("A",), ("Q1", "Q2", "Q3"), ((12, 12, 12),)
    )

    published = publish_table(ProtectedTable(table))

    assert [c.value for c in published.cells[0]] == [10, 10, 10]
    assert published.row_totals[0].value == 35
