import csv
import io
import json

from casework.statistics.disclosure_durations import DurationSummary
from casework.statistics.disclosure_model import CountTable
from casework.statistics.disclosure_rounding import publish_table
from casework.statistics.disclosure_serialise import (
    SUPPRESSED_SYMBOL,
    duration_to_dict,
    table_to_csv,
    table_to_dict,
)
from casework.statistics.disclosure_suppression import protect_tables

TABLE = CountTable(
    "cases by entity and quarter",
    "cases",
    "entity",
    "quarter",
    ("=HYPERLINK()", "WFP", "ILO"),
    ("2025-Q1", "2025-Q2", "2025-Q3"),
    ((3, 40, 12), (30, 50, 20), (25, 45, 0)),
)


def test_dict_is_json_ready_and_marks_withheld_cells() -> None:
    [protected] = protect_tables([TABLE])

    data = json.loads(json.dumps(table_to_dict(publish_table(protected))))

    assert data["cells"][0][0] == {"value": None, "suppressed": True}
    assert data["cells"][1][1] == {"value": 50, "suppressed": False}
    assert data["row_totals"][1] == {"value": 100, "suppressed": False}
    assert "primary" not in json.dumps(data) and "complementary" not in json.dumps(data)


def test_csv_marks_withheld_cells_and_neutralises_formulas() -> None:
    [protected] = protect_tables([TABLE])

    rows = list(csv.reader(io.StringIO(table_to_csv(publish_table(protected)))))

    assert rows[0] == ["entity / quarter", "2025-Q1", "2025-Q2", "2025-Q3", "Total"]
    assert rows[1][0] == "'=HYPERLINK()"
    assert rows[1][1] == SUPPRESSED_SYMBOL
    # Which cells complement the suppression is the suppressor's choice; every published one
    # is the truth rounded to base 5, every other is the suppression marker.
    assert rows[2][0] == "WFP"
    for published, truth in zip(rows[2][1:3], ("30", "50"), strict=True):
        assert published in (truth, SUPPRESSED_SYMBOL)
    assert rows[4][0] == "Total" and rows[4][-1] == "225"
    for published, truth in zip(rows[4][1:4], ("60", "135", "30"), strict=True):
        assert published in (truth, SUPPRESSED_SYMBOL)
    assert all(len(row) == 5 for row in rows)


def test_duration_summary_flags_withheld_figures() -> None:
    assert duration_to_dict(DurationSummary(6, None)) == {
        "median_weeks": 6,
        "median_weeks_suppressed": False,
        "within_target_percent": None,
        "within_target_percent_suppressed": True,
    }
