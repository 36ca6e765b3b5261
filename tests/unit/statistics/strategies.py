"""Hypothesis strategies for small synthetic releases with known truth."""

from __future__ import annotations

from hypothesis import strategies as st

from casework.statistics.disclosure_model import CountTable, ProtectedTable, Reason

OUTCOMES = ("substantiated", "unsubstantiated", "closed_other")

# Skewed towards small counts so primary suppression, zeros and large cells all occur.
counts = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 40))


@st.composite
def count_tables(draw: st.DrawFn, max_rows: int = 3, max_columns: int = 3) -> CountTable:
    """A table of true counts of modest size."""
    rows = draw(st.integers(1, max_rows))
    columns = draw(st.integers(1, max_columns))
    cells = draw(
        st.lists(st.lists(counts, min_size=columns, max_size=columns), min_size=rows, max_size=rows)
    )
    return CountTable(
        title="synthetic",
        population="cases",
        row_dimension="entity",
        column_dimension="quarter",
        row_labels=tuple(f"E{r}" for r in range(rows)),
        column_labels=tuple(f"Q{c}" for c in range(columns)),
        counts=tuple(tuple(row) for row in cells),
    )


@st.composite
def case_records(
    draw: st.DrawFn, max_entities: int = 3, max_quarters: int = 3
) -> list[tuple[str, str, str]]:
    """Cases as (entity, quarter, outcome): the rows behind a pair of linked tables."""
    entities = [f"E{e}" for e in range(draw(st.integers(1, max_entities)))]
    quarters = [f"Q{q}" for q in range(draw(st.integers(1, max_quarters)))]
    records: list[tuple[str, str, str]] = []
    for entity in entities:
        for quarter in quarters:
            for outcome in OUTCOMES:
                records += [(entity, quarter, outcome)] * draw(
                    st.one_of(st.just(0), st.integers(1, 6), st.integers(7, 14))
                )
    return records


def linked_tables(records: list[tuple[str, str, str]]) -> tuple[CountTable, CountTable]:
    """Entity x quarter and entity x outcome of the same cases: they share the entity totals."""
    entities = sorted({e for e, _, _ in records}) or ["E0"]
    quarters = sorted({q for _, q, _ in records}) or ["Q0"]
    by_quarter = CountTable.from_pairs(
        title="cases by entity and quarter",
        population="cases",
        row_dimension="entity",
        column_dimension="quarter",
        row_labels=entities,
        column_labels=quarters,
        pairs=[(e, q) for e, q, _ in records],
    )
    by_outcome = CountTable.from_pairs(
        title="cases by entity and outcome",
        population="cases",
        row_dimension="entity",
        column_dimension="outcome",
        row_labels=entities,
        column_labels=OUTCOMES,
        pairs=[(e, o) for e, _, o in records],
    )
    return by_quarter, by_outcome


@st.composite
def suppression_patterns(draw: st.DrawFn, table: CountTable) -> ProtectedTable:
    """The table with an arbitrary set of withheld cells, safe or not."""
    positions = table.positions()
    chosen = draw(st.sets(st.sampled_from(positions), max_size=min(len(positions), 9)))
    return ProtectedTable(table, dict.fromkeys(chosen, Reason.PRIMARY))
