"""Cross-check with pyCANON: the cases behind every published figure are 10-anonymous, 2-diverse."""

import random

import pytest

from casework.statistics.disclosure_model import Position, ProtectedTable
from casework.statistics.disclosure_suppression import protect_tables
from tests.unit.statistics.strategies import OUTCOMES, linked_tables

pd = pytest.importorskip("pandas")
anonymity = pytest.importorskip("pycanon.anonymity")


def synthetic_cases(seed: int) -> list[tuple[str, str, str]]:
    """Cases skewed like a real system: a few big entities, many small ones."""
    rng = random.Random(seed)
    entities = [f"E{i:02d}" for i in range(8)]
    weights = [30, 18, 10, 6, 4, 3, 2, 1]
    return [
        (
            rng.choices(entities, weights)[0],
            f"Q{rng.randint(1, 4)}",
            rng.choices(OUTCOMES, [2, 3, 5])[0],
        )
        for _ in range(rng.randint(150, 400))
    ]


def published_groups(protected: ProtectedTable) -> tuple[set[tuple[str, str]], set[str]]:
    """Label pairs of published non-zero cells, and labels of published non-zero row totals."""
    table = protected.table
    cells = {
        (table.row_labels[p.row], table.column_labels[p.column])
        for p in table.positions()
        if p.row is not None
        and p.column is not None
        and not protected.is_suppressed(p)
        and table.value(p) > 0
    }
    rows = {
        table.row_labels[r]
        for r in range(len(table.row_labels))
        if not protected.is_suppressed(Position(r, None)) and table.value(Position(r, None)) > 0
    }
    return cells, rows


@pytest.mark.parametrize("seed", range(6))
def test_published_cells_are_10_anonymous_and_outcome_splits_2_diverse(seed: int) -> None:
    records = synthetic_cases(seed)
    cases = pd.DataFrame(records, columns=["entity", "quarter", "outcome"])
    by_quarter, by_outcome = protect_tables(linked_tables(records))

    for protected, column in ((by_quarter, "quarter"), (by_outcome, "outcome")):
        cells, rows = published_groups(protected)
        shown = [pair in cells for pair in zip(cases.entity, cases[column], strict=True)]
        behind_cells = cases[shown].reset_index(drop=True)
        behind_rows = cases[cases.entity.isin(rows)].reset_index(drop=True)
        if len(behind_cells):
            assert anonymity.k_anonymity(behind_cells, ["entity", column]) >= 10
        if len(behind_rows):
            assert anonymity.k_anonymity(behind_rows, ["entity"]) >= 10

    split_shown = {entity for entity, _ in published_groups(by_outcome)[0]}
    behind_splits = cases[cases.entity.isin(split_shown)].reset_index(drop=True)
    assert len(behind_splits) > 0
    assert anonymity.l_diversity(behind_splits, ["entity"], ["outcome"]) >= 2
