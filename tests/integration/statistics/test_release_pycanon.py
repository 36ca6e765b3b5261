"""pyCANON on a real release: the closed cases behind every published cell are 10-anonymous and
every published outcome split is 2-diverse."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from casework.statistics.release import build_release, release_tables
from tests.integration.statistics.synthetic import NOW, populate

pd = pytest.importorskip("pandas")
anonymity = pytest.importorskip("pycanon.anonymity")


def _published_pairs(table: dict[str, Any]) -> set[tuple[str, str]]:
    rows, columns = table["rows"]["labels"], table["columns"]["labels"]
    return {
        (rows[r], columns[c])
        for r, row in enumerate(table["cells"])
        for c, cell in enumerate(row)
        if not cell["suppressed"] and cell["value"]
    }


def test_rows_behind_published_cells_are_10_anonymous_and_2_diverse(session: Session) -> None:
    truth = populate(session)
    tables = release_tables(build_release(session, NOW, "system"))
    cases = pd.DataFrame(truth.records)
    for name, column in (("outcomes", "outcome"), ("cases_closed", "period")):
        shown = _published_pairs(tables[name])
        assert shown, name
        mask = [pair in shown for pair in zip(cases.entity, cases[column], strict=True)]
        behind = cases[mask].reset_index(drop=True)
        assert anonymity.k_anonymity(behind, ["entity", column]) >= 10
    split_shown = {entity for entity, _ in _published_pairs(tables["outcomes"])}
    behind_splits = cases[cases.entity.isin(split_shown)].reset_index(drop=True)
    assert anonymity.l_diversity(behind_splits, ["entity"], ["outcome"]) >= 2
