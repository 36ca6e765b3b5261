"""Marshmallow schemas of every API response; the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

TABLE_KINDS = ("counts", "median_weeks", "percent")


class ErrorSchema(Schema):
    """An error: a short title and a reason, never a record's content."""

    error = fields.String(required=True)
    detail = fields.String(required=True)


class PeriodSchema(Schema):
    """The calendar year a release covers, and its first and last quarter."""

    label = fields.String(required=True, metadata={"example": "2025"})
    from_ = fields.String(required=True, data_key="from", metadata={"example": "2025-Q1"})
    to = fields.String(required=True, metadata={"example": "2025-Q4"})


class ReleaseSummarySchema(Schema):
    """A release as listed: what it covers, never when or from which rows it was built."""

    id = fields.Integer(required=True)
    scope = fields.String(required=True, metadata={"description": '"system" or an entity code'})
    version = fields.Integer(required=True)
    period = fields.Nested(PeriodSchema, required=True)
    content_hash = fields.String(
        required=True, metadata={"description": "SHA-256 of the release's canonical JSON"}
    )


class ReleaseListSchema(Schema):
    """The releases a token may read, newest period first."""

    releases = fields.List(fields.Nested(ReleaseSummarySchema), required=True)


class ReleaseDetailSchema(ReleaseSummarySchema):
    """A release's metadata and the names of its tables."""

    tables = fields.List(fields.String(), required=True)
    notes = fields.List(fields.String(), required=True)


class CellSchema(Schema):
    """A published figure; withheld figures have a null value and ``suppressed`` true."""

    value = fields.Integer(required=True, allow_none=True)
    suppressed = fields.Boolean(required=True)


class AxisSchema(Schema):
    """One axis of a table: its dimension and labels, in order."""

    dimension = fields.String(required=True)
    labels = fields.List(fields.String(), required=True)


class TableSchema(Schema):
    """A published table: counts with margins, or figures (medians, percentages) without."""

    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(TABLE_KINDS))
    title = fields.String(required=True)
    population = fields.String(required=True)
    rows = fields.Nested(AxisSchema, required=True)
    columns = fields.Nested(AxisSchema, required=True)
    cells = fields.List(fields.List(fields.Nested(CellSchema)), required=True)
    row_totals = fields.List(fields.Nested(CellSchema), required=True, allow_none=True)
    column_totals = fields.List(fields.Nested(CellSchema), required=True, allow_none=True)
    grand_total = fields.Nested(CellSchema, required=True, allow_none=True)
    suppressed_symbol = fields.String(required=True)
    notes = fields.List(fields.String(), required=True)
