"""Published tables as JSON-ready dicts and as CSV text, withheld cells clearly marked.

Every withheld cell is marked the same way, whether withheld as a small count or to protect
one: publishing "<10" only on small counts would tell a reader which other cells are 10 or more.
"""

from __future__ import annotations

import csv
import io

from casework.statistics.disclosure_durations import DurationSummary
from casework.statistics.disclosure_model import PublishedCell, PublishedTable

SUPPRESSED_SYMBOL = "[c]"
TOTAL_LABEL = "Total"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_to_dict(cell: PublishedCell) -> dict[str, object]:
    """``{"value": 15, "suppressed": false}`` or ``{"value": null, "suppressed": true}``."""
    return {"value": cell.value, "suppressed": cell.suppressed}


def table_to_dict(table: PublishedTable) -> dict[str, object]:
    """A published table as plain dicts and lists, ready for ``json.dumps``."""
    return {
        "title": table.title,
        "population": table.population,
        "rows": {"dimension": table.row_dimension, "labels": list(table.row_labels)},
        "columns": {"dimension": table.column_dimension, "labels": list(table.column_labels)},
        "cells": [[cell_to_dict(cell) for cell in row] for row in table.cells],
        "row_totals": [cell_to_dict(cell) for cell in table.row_totals],
        "column_totals": [cell_to_dict(cell) for cell in table.column_totals],
        "grand_total": cell_to_dict(table.grand_total),
        "suppressed_symbol": SUPPRESSED_SYMBOL,
        "notes": [
            "Counts are rounded to the nearest multiple of 5; totals are rounded separately "
            "and may differ from the sum of their cells.",
            f"{SUPPRESSED_SYMBOL}: withheld to protect confidentiality.",
        ],
    }


def table_to_csv(table: PublishedTable) -> str:
    """A published table as CSV text: a header row, one row per label, then the totals row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    corner = f"{table.row_dimension} / {table.column_dimension}"
    writer.writerow([_text(corner), *map(_text, table.column_labels), TOTAL_LABEL])
    for label, cells, total in zip(table.row_labels, table.cells, table.row_totals, strict=True):
        writer.writerow([_text(label), *map(_figure, cells), _figure(total)])
    writer.writerow([TOTAL_LABEL, *map(_figure, table.column_totals), _figure(table.grand_total)])
    return buffer.getvalue()


def duration_to_dict(summary: DurationSummary) -> dict[str, object]:
    """Duration figures as a plain dict; withheld figures are null and flagged."""
    return {
        "median_weeks": summary.median_weeks,
        "median_weeks_suppressed": summary.median_weeks is None,
        "within_target_percent": summary.within_target_percent,
        "within_target_percent_suppressed": summary.within_target_percent is None,
    }


def _figure(cell: PublishedCell) -> str:
    return SUPPRESSED_SYMBOL if cell.value is None else str(cell.value)


def _text(label: str) -> str:
    """Neutralise spreadsheet formulas in labels: oversight bodies open these files in Excel."""
    return f"'{label}" if label.startswith(_FORMULA_PREFIXES) else label
