"""Build, store and read statistics releases (domain.md section 6).

A release covers one complete calendar year: windows never overlap, and a window is published
once per scope, so no two releases can be differenced. Versions number the releases of a scope.

The system release is protected as a whole (primary, l-diversity, complementary suppression
across all its tables, then rounding). An entity release is a *projection* of the system release
of the same year: the entity's own row of each count table, exactly as published there, plus
duration figures over the entity's own stages (groups of at least 10). An entity pooled into
"other" gets no count tables, since its row would describe other entities too.

Nothing here decrypts: only plaintext metadata is read (see ``queries``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.errors import NotFound, ValidationFailed
from casework.statistics.disclosure_model import PublishedCell, PublishedTable
from casework.statistics.disclosure_rounding import publish_table
from casework.statistics.disclosure_serialise import (
    SUPPRESSED_SYMBOL,
    table_to_csv,
    table_to_dict,
)
from casework.statistics.disclosure_suppression import protect_tables
from casework.statistics.models import SYSTEM_SCOPE, Release
from casework.statistics.queries import (
    StageHistogram,
    WindowCounts,
    entity_codes,
    stage_histogram,
    window_counts,
)
from casework.statistics.tables import (
    TIMED_STAGES,
    FigureTable,
    Labels,
    Window,
    build_labels,
    completed_stages,
    count_tables,
    duration_tables,
)

COUNTS_KIND = "counts"
RELEASE_NOTES = (
    "Figures are aggregated and protected: counts of 1 to 9, and cells from which such a count "
    "could be derived, are withheld; counts are rounded to a multiple of 5.",
    "Small entities are pooled as other; a year with fewer than 20 cases is shown as a whole.",
    "Durations are medians in whole weeks over at least 10 completed stages; shares within the "
    "guidance target are shown only where at least 10 stages met and 10 missed it.",
)
POOLED_NOTE = "This entity is pooled with other small entities; it has no separate counts."


def reporting_year(now: datetime) -> int:
    """The latest complete calendar year at ``now``: the default window of a release."""
    return now.year - 1


class _WindowData:
    """The grouped counts and stage histogram of one window, each read once when first needed."""

    def __init__(self, session: Session, window: Window) -> None:
        self._session = session
        self.window = window
        self._counts: WindowCounts | None = None
        self._histogram: StageHistogram | None = None

    @property
    def counts(self) -> WindowCounts:
        if self._counts is None:
            self._counts = window_counts(self._session, self.window.start, self.window.end)
        return self._counts

    @property
    def histogram(self) -> StageHistogram:
        if self._histogram is None:
            self._histogram = stage_histogram(
                self._session, self.window.start, self.window.end, TIMED_STAGES
            )
        return self._histogram


def build_release(
    session: Session, now: datetime, scope: str, *, year: int | None = None
) -> Release:
    """Publish the release of a scope for a year, or return it if already published."""
    return _build(session, now, scope, _year(now, year), {})


def build_all_releases(
    session: Session, now: datetime, *, year: int | None = None
) -> list[Release]:
    """Publish the system release and every entity's release for a year (idempotent)."""
    year = _year(now, year)
    scopes = [SYSTEM_SCOPE, *entity_codes(session)]
    read: dict[int, _WindowData] = {}  # one read of the window shared by every scope
    return [_build(session, now, scope, year, read) for scope in scopes]


def _year(now: datetime, year: int | None) -> int:
    year = reporting_year(now) if year is None else year
    if year >= now.year or year < 1900:
        raise ValidationFailed({"year": "only a complete calendar year can be released"})
    return year


def _build(
    session: Session, now: datetime, scope: str, year: int, read: dict[int, _WindowData]
) -> Release:
    if scope != SYSTEM_SCOPE and scope not in entity_codes(session):
        raise ValidationFailed({"scope": "unknown entity code"})
    existing = session.scalar(
        select(Release).where(Release.scope == scope, Release.period_label == str(year))
    )
    if existing is not None:
        return existing
    data = read.setdefault(year, _WindowData(session, Window(year)))
    labels = build_labels(data.window, data.counts)
    if scope == SYSTEM_SCOPE:
        tables = _system_tables(data, labels)
    else:
        system = _build(session, now, SYSTEM_SCOPE, year, read)
        tables = _entity_tables(data, labels, scope, system)
    return _store(session, now, scope, data.window, labels, tables)


def _system_tables(data: _WindowData, labels: Labels) -> dict[str, dict[str, Any]]:
    counts = count_tables(data.window, data.counts, labels)
    protected = protect_tables(list(counts.values()))
    tables = {
        name: _counts_to_dict(name, publish_table(table))
        for name, table in zip(counts, protected, strict=True)
    }
    figures = duration_tables(data.window, labels.period, completed_stages(data.histogram))
    tables.update({name: figures_to_dict(table) for name, table in figures.items()})
    return tables


def _entity_tables(
    data: _WindowData, labels: Labels, entity: str, system: Release
) -> dict[str, dict[str, Any]]:
    # Project the stored system release, not today's labels: the two must never disagree.
    tables: dict[str, dict[str, Any]] = {}
    for name, table in release_tables(system).items():
        if table["kind"] == COUNTS_KIND and entity in table["rows"]["labels"]:
            tables[name] = _counts_to_dict(name, _row_of(table_from_dict(table), entity))
    completed = completed_stages(data.histogram, entity)
    figures = duration_tables(data.window, labels.period, completed)
    tables.update({name: figures_to_dict(table) for name, table in figures.items()})
    return tables


def _row_of(table: PublishedTable, label: str) -> PublishedTable:
    """One row of a published table as a table of its own: nothing not already published."""
    index = table.row_labels.index(label)
    cells = table.cells[index]
    return PublishedTable(
        title=table.title,
        population=table.population,
        row_dimension=table.row_dimension,
        column_dimension=table.column_dimension,
        row_labels=(label,),
        column_labels=table.column_labels,
        cells=(cells,),
        row_totals=(table.row_totals[index],),
        column_totals=cells,
        grand_total=table.row_totals[index],
    )


def _store(
    session: Session,
    now: datetime,
    scope: str,
    window: Window,
    labels: Labels,
    tables: Mapping[str, Mapping[str, Any]],
) -> Release:
    last = session.scalar(select(func.max(Release.version)).where(Release.scope == scope))
    version = (last or 0) + 1
    quarters = window.quarters
    notes = list(RELEASE_NOTES)
    if scope != SYSTEM_SCOPE and labels.entity.get(scope) not in (None, scope):
        notes.append(POOLED_NOTE)  # (an entity with no case in the window is not pooled)
    payload = {
        "scope": scope,
        "version": version,
        "period": {
            "label": str(window.year),
            "from": quarters[0].label,
            "to": quarters[-1].label,
        },
        "tables": dict(tables),
        "notes": notes,
    }
    text = canonical_json(payload)
    release = Release(
        scope=scope,
        version=version,
        created_at=now,
        period_label=str(window.year),
        period_from=quarters[0].label,
        period_to=quarters[-1].label,
        payload=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    session.add(release)
    session.flush()
    return release


def canonical_json(payload: Mapping[str, Any]) -> str:
    """JSON with sorted keys and no whitespace: the exact text a release's hash covers."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _counts_to_dict(name: str, table: PublishedTable) -> dict[str, Any]:
    return {"name": name, "kind": COUNTS_KIND, **table_to_dict(table)}


def figures_to_dict(table: FigureTable) -> dict[str, Any]:
    """A figure table in the same shape as a count table, with null margins."""
    return {
        "name": table.title,
        "kind": table.kind,
        "title": table.title,
        "population": "completed_stages",
        "rows": {"dimension": "stage", "labels": list(table.row_labels)},
        "columns": {"dimension": "period", "labels": list(table.column_labels)},
        "cells": [
            [{"value": value, "suppressed": value is None} for value in row] for row in table.cells
        ],
        "row_totals": None,
        "column_totals": None,
        "grand_total": None,
        "suppressed_symbol": SUPPRESSED_SYMBOL,
        "notes": [
            "Withheld where fewer than 10 stages were completed in the group; "
            "percentages also need 10 stages within and 10 beyond the target.",
            f"{SUPPRESSED_SYMBOL}: withheld to protect confidentiality.",
        ],
    }


def table_from_dict(data: Mapping[str, Any]) -> PublishedTable:
    """Rebuild a published count table from its stored form."""

    def cell(item: Mapping[str, Any]) -> PublishedCell:
        return PublishedCell(item["value"])

    return PublishedTable(
        title=data["title"],
        population=data["population"],
        row_dimension=data["rows"]["dimension"],
        column_dimension=data["columns"]["dimension"],
        row_labels=tuple(data["rows"]["labels"]),
        column_labels=tuple(data["columns"]["labels"]),
        cells=tuple(tuple(cell(item) for item in row) for row in data["cells"]),
        row_totals=tuple(cell(item) for item in data["row_totals"]),
        column_totals=tuple(cell(item) for item in data["column_totals"]),
        grand_total=cell(data["grand_total"]),
    )


def release_payload(release: Release) -> dict[str, Any]:
    """The stored payload of a release, after checking it still matches its hash."""
    digest = hashlib.sha256(release.payload.encode("utf-8")).hexdigest()
    if digest != release.content_hash:
        raise ValueError(f"release {release.id} does not match its content hash")
    payload: dict[str, Any] = json.loads(release.payload)
    return payload


def release_tables(release: Release) -> dict[str, dict[str, Any]]:
    """The published tables of a release, by name."""
    tables: dict[str, dict[str, Any]] = release_payload(release)["tables"]
    return tables


def release_table(release: Release, name: str) -> dict[str, Any]:
    """One published table of a release; NotFound if it has no table of that name."""
    tables = release_tables(release)
    if name not in tables:
        raise NotFound(f"release {release.id} has no such table")
    return tables[name]


def table_csv(table: Mapping[str, Any]) -> str:
    """A published table as CSV, withheld cells shown as the suppressed symbol."""
    if table["kind"] == COUNTS_KIND:
        return table_to_csv(table_from_dict(table))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    corner = f"{table['rows']['dimension']} / {table['columns']['dimension']}"
    writer.writerow([corner, *table["columns"]["labels"]])
    for label, row in zip(table["rows"]["labels"], table["cells"], strict=True):
        writer.writerow(
            [label, *(SUPPRESSED_SYMBOL if c["suppressed"] else str(c["value"]) for c in row)]
        )
    return buffer.getvalue()


def visible_releases(session: Session, scopes: Sequence[str]) -> list[Release]:
    """Releases whose scope is among the given scopes, newest first."""
    if not scopes:
        return []
    query = (
        select(Release)
        .where(Release.scope.in_(list(scopes)))
        .order_by(Release.period_label.desc(), Release.scope, Release.id)
    )
    return list(session.scalars(query))


def visible_release(session: Session, scopes: Sequence[str], release_id: int) -> Release:
    """A release the scopes may read; NotFound whether it is missing or out of scope."""
    release = session.get(Release, release_id) if 0 < release_id < 2**31 else None
    if release is None or release.scope not in scopes:
        raise NotFound(f"release {release_id}")
    return release
