"""The minimal Flask app the web figures are measured against, served by the same gunicorn.

One Flask-SQLAlchemy model, one marshmallow schema validating a body shaped like the step form
(kind, occurred_at, narrative), one insert per POST, and a page that renders 200 plaintext rows
of the one table through Jinja. No sign-in, CSRF, encryption, audit or outbox: that is what
the ratio prices. `gunicorn -c python:casework.gunicorn_conf bench.baseline_app:app` with
BENCH_BASELINE_DATABASE_URL set.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from flask_sqlalchemy import SQLAlchemy
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import Index, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.wrappers import Response as BaseResponse

from casework.cases.steps import StepKind
from casework.db import ping_when_idle

DATABASE_URL_ENV = "BENCH_BASELINE_DATABASE_URL"
PAGE_ROWS = 200


class BaselineBase(DeclarativeBase):
    """Declarative base of the baseline's one table (kept off Casework's metadata)."""


db = SQLAlchemy(model_class=BaselineBase)


class Row(db.Model):  # type: ignore[name-defined,misc]
    """One plaintext row, shaped like a case step."""

    __tablename__ = "bench_baseline_rows"
    __table_args__ = (Index("ix_bench_baseline_rows_group_id", "group_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    narrative: Mapped[str | None] = mapped_column(Text)


class RowSchema(Schema):
    """Validates the form body: the same fields and limits as the step form."""

    class Meta:
        """Ignore fields the schema does not name (the CSRF token)."""

        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in StepKind]))
    occurred_at = fields.NaiveDateTime(required=True)
    narrative = fields.String(load_default=None, validate=validate.Length(max=20000))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rows of group {{ group_id }}</title></head>
<body><main><h1>Rows of group {{ group_id }}</h1>
<table><thead><tr><th>When</th><th>Kind</th><th>Recorded</th><th>Narrative</th></tr></thead>
<tbody>
{% for row in rows %}<tr><td>{{ row.occurred_at.strftime("%Y-%m-%d %H:%M") }}</td>
<td>{{ row.kind }}</td><td>{{ row.recorded_at.strftime("%Y-%m-%d %H:%M") }}</td>
<td>{{ row.narrative or "" }}</td></tr>
{% endfor %}</tbody></table></main></body></html>
"""


def create_baseline_app(database_url: str) -> Flask:
    """The baseline application on a database that holds its table."""
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
    )
    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine)  # the pooled connections are handled as Casework's are
    schema = RowSchema()
    template = app.jinja_env.from_string(PAGE)  # compiled once, as file templates are cached

    @app.get("/healthz")
    def healthz() -> str:
        """Alive."""
        return "ok"

    @app.post("/groups/<int:group_id>/rows")
    def add_row(group_id: int) -> BaseResponse | tuple[dict[str, Any], int]:
        """Validate the form, insert one row, redirect to the group's page."""
        try:
            data = schema.load(request.form.to_dict())
        except ValidationError as error:
            return {"errors": error.messages}, 400
        db.session.add(
            Row(
                group_id=group_id,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                recorded_at=datetime.now(UTC).replace(tzinfo=None),
                narrative=data["narrative"],
            )
        )
        db.session.commit()
        return redirect(url_for("page", group_id=group_id))

    @app.get("/groups/<int:group_id>")
    def page(group_id: int) -> str:
        """Render the group's first 200 rows."""
        rows = db.session.scalars(
            db.select(Row).where(Row.group_id == group_id).order_by(Row.id).limit(PAGE_ROWS)
        ).all()
        return render_template(template, group_id=group_id, rows=rows)

    return app


def create_table(database_url: str) -> None:
    """Create the baseline's table (the benchmark drops it afterwards)."""
    engine = create_engine(database_url)
    BaselineBase.metadata.create_all(engine)
    engine.dispose()


def drop_table(database_url: str) -> None:
    """Drop the baseline's table."""
    engine = create_engine(database_url)
    BaselineBase.metadata.drop_all(engine)
    engine.dispose()


app = create_baseline_app(os.environ[DATABASE_URL_ENV]) if DATABASE_URL_ENV in os.environ else None
