"""Releases on synthetic metadata with a known truth: figures, suppression, audit, immutability."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from casework.statistics.disclosure_audit import recoverable_cells
from casework.statistics.disclosure_model import CountTable, Position, ProtectedTable, Reason
from casework.statistics.models import Release, ReleaseImmutable
from casework.statistics.release import (
    build_all_releases,
    build_release,
    release_tables,
    table_csv,
)
from tests.integration.statistics.synthetic import (
    ENTITY_ROWS,
    NOW,
    QUARTERS,
    YEAR,
    Truth,
    expected_median_weeks,
    expected_percent,
    populate,
    round5,
)


def _cells(table: dict[str, Any]) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    """Every cell of a published count table with its row and column label (None = total)."""
    rows, columns = table["rows"]["labels"], table["columns"]["labels"]
    found: list[tuple[str | None, str | None, dict[str, Any]]] = []
    for r, row in enumerate(table["cells"]):
        found.extend((rows[r], columns[c], cell) for c, cell in enumerate(row))
        found.append((rows[r], None, table["row_totals"][r]))
    found.extend((None, columns[c], cell) for c, cell in enumerate(table["column_totals"]))
    found.append((None, None, table["grand_total"]))
    return found


def _true(truth: Truth, name: str, row: str | None, column: str | None) -> int:
    tally = truth.tables[name]
    return sum(
        count
        for (r, c), count in tally.items()
        if (row is None or r == row) and (column is None or c == column)
    )


@pytest.fixture
def truth(session: Session) -> Truth:
    """The synthetic cases, inserted."""
    return populate(session)


def test_every_published_count_equals_the_truth_rounded_and_small_counts_are_withheld(
    session: Session, truth: Truth
) -> None:
    release = build_release(session, NOW, "system")
    tables = release_tables(release)
    assert release.period_label == str(YEAR)
    published = 0
    for name in truth.tables:
        table = tables[name]
        assert tuple(table["rows"]["labels"]) == ENTITY_ROWS
        for row, column, cell in _cells(table):
            value = _true(truth, name, row, column)
            if 0 < value < 10:
                assert cell == {"value": None, "suppressed": True}, (name, row, column)
            if not cell["suppressed"]:
                assert cell["value"] == round5(value), (name, row, column)
                published += 1
    assert tables["cases_received"]["columns"]["labels"] == list(QUARTERS)
    assert not tables["cases_received"]["grand_total"]["suppressed"]
    assert published > 40


def test_no_withheld_cell_can_be_recovered_from_the_whole_release(
    session: Session, truth: Truth
) -> None:
    tables = release_tables(build_release(session, NOW, "system"))
    protected = []
    for name in truth.tables:
        table = tables[name]
        rows, columns = table["rows"]["labels"], table["columns"]["labels"]
        counts = CountTable(
            title=name,
            population=table["population"],
            row_dimension=table["rows"]["dimension"],
            column_dimension=table["columns"]["dimension"],
            row_labels=tuple(rows),
            column_labels=tuple(columns),
            counts=tuple(
                tuple(truth.tables[name][(row, column)] for column in columns) for row in rows
            ),
        )
        withheld = {
            Position(
                None if row is None else rows.index(row),
                None if column is None else columns.index(column),
            ): Reason.PRIMARY
            for row, column, cell in _cells(table)
            if cell["suppressed"]
        }
        protected.append(ProtectedTable(counts, withheld))
    assert any(p.suppression for p in protected)
    assert recoverable_cells(protected) == ()


def test_durations_equal_the_truth_and_need_ten_completed_stages(
    session: Session, truth: Truth
) -> None:
    releases = {r.scope: r for r in build_all_releases(session, NOW)}
    checked = 0
    for scope, release in releases.items():
        tables = release_tables(release)
        medians, shares = tables["stage_median_weeks"], tables["stage_within_target_percent"]
        columns = medians["columns"]["labels"]
        assert columns == [*QUARTERS, str(YEAR)]
        for r, stage in enumerate(medians["rows"]["labels"]):
            for c, column in enumerate(columns):
                group = [
                    duration
                    for (code, s, col), durations in truth.stages.items()
                    if s == stage and col == column and scope in ("system", code)
                    for duration in durations
                ]
                assert medians["cells"][r][c]["value"] == expected_median_weeks(group)
                assert shares["cells"][r][c]["value"] == expected_percent(group)
                checked += medians["cells"][r][c]["value"] is not None
    assert checked > 5


def test_entity_releases_show_only_their_own_published_row(session: Session, truth: Truth) -> None:
    releases = {r.scope: r for r in build_all_releases(session, NOW)}
    assert set(releases) == {"system", "BIGA", "BIGB", "SMA", "SMB", "SMC"}
    system = release_tables(releases["system"])
    own = release_tables(releases["BIGA"])
    for name in truth.tables:
        assert own[name]["rows"]["labels"] == ["BIGA"]
        row = system[name]["rows"]["labels"].index("BIGA")
        assert own[name]["cells"] == [system[name]["cells"][row]]
        assert own[name]["grand_total"] == system[name]["row_totals"][row]
    pooled = release_tables(releases["SMA"])
    assert not set(truth.tables) & set(pooled)


def test_building_again_returns_the_same_release(session: Session, truth: Truth) -> None:
    first = build_release(session, NOW, "system")
    again = build_release(session, NOW, "system")
    assert again.id == first.id
    assert again.content_hash == first.content_hash
    assert session.query(Release).count() == 1


def test_a_release_cannot_be_updated(session: Session, truth: Truth) -> None:
    release = build_release(session, NOW, "system")
    session.commit()
    release.payload = "{}"
    with pytest.raises(ReleaseImmutable):
        session.flush()
    session.rollback()
    with pytest.raises(ReleaseImmutable):
        session.execute(update(Release).values(payload="{}"))
    session.rollback()


def test_suppressed_cells_are_marked_in_csv(session: Session, truth: Truth) -> None:
    tables = release_tables(build_release(session, NOW, "system"))
    for name, table in tables.items():
        text = table_csv(table)
        suppressed = sum(cell["suppressed"] for row in table["cells"] for cell in row)
        if table["row_totals"] is not None:
            suppressed += sum(cell["suppressed"] for cell in table["row_totals"])
            suppressed += sum(cell["suppressed"] for cell in table["column_totals"])
            suppressed += table["grand_total"]["suppressed"]
        assert text.count("[c]") == suppressed, name


def test_releases_are_built_from_complete_years_only(session: Session, truth: Truth) -> None:
    from casework.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        build_release(session, NOW, "system", year=NOW.year)
    with pytest.raises(ValidationFailed):
        build_release(session, NOW, "NOPE")
