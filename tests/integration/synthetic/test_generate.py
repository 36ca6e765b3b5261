"""The synthetic data generator: real keys and timeline rules, valid histories, reproducible."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.decision_models import Decision
from casework.cases.models import Case, Deadline, Finding, Outcome, Stage, StageChange
from casework.cases.services import read_case
from casework.cases.stages import CLOSING_OUTCOMES, FORWARD
from casework.cases.timeline import computed_deadlines
from casework.db import Base
from casework.extensions import db
from casework.keys.services import Keys
from casework.synthetic.generate import GenerationPlan, generate

CASES = 120


def _generate(
    keys: Keys, now: datetime, *, cases: int = CASES, seed: int = 7, chunk: int = 100
) -> None:
    plan = GenerationPlan(cases=cases, seed=seed, now=now, workers=2, chunk=chunk)
    generate(db.engine, keys, plan)


def _metadata(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(Case.stage, Case.category, Case.opened_at, Case.closed_at, Case.outcome).order_by(
            Case.id
        )
    )
    return [tuple(row) for row in rows]


def test_generated_cases_decrypt_and_match_the_services_deadlines(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    _generate(keys, now)
    assert session.scalar(select(func.count()).select_from(Case)) == CASES
    cases = session.scalars(select(Case).order_by(Case.id)).all()
    stages = {case.stage for case in cases}
    assert {Stage.CLOSED, Stage.INVESTIGATION} <= stages
    for case in cases[:40]:
        view = read_case(session, keys, case)
        assert view.reference.startswith("SYN")
        assert len(view.parties) == len(case.parties) >= 2
        assert all(step.narrative for step in view.steps)
        stored = {
            row.key: (row.due_at, row.amber_at, row.red_at, row.ceiling_at, row.met_at)
            for row in session.scalars(select(Deadline).where(Deadline.case_id == case.id))
        }
        computed = {
            d.key: (d.due_at, d.amber_at, d.red_at, d.ceiling_at, d.met_at)
            for d in computed_deadlines(session, case, now)
        }
        assert stored == computed, f"case {case.id}"


def test_generated_histories_obey_the_stage_table_and_its_guards(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    _generate(keys, now)
    for case in session.scalars(select(Case)):
        history = session.scalars(
            select(StageChange)
            .where(StageChange.case_id == case.id)
            .order_by(StageChange.changed_at)
        ).all()
        assert history[0].from_stage is None and history[0].to_stage is Stage.INTAKE
        for change in history[1:]:
            assert change.to_stage in FORWARD[change.from_stage]  # type: ignore[index]
        assert history[-1].to_stage is case.stage
        if case.stage is Stage.CLOSED:
            assert case.outcome in CLOSING_OUTCOMES[history[-1].from_stage]  # type: ignore[index]
            assert case.closed_at is not None and case.closed_at <= now
        if case.outcome is Outcome.SUBSTANTIATED:
            assert session.scalar(select(Decision).where(Decision.case_id == case.id)) is not None
        if any(change.to_stage is Stage.DISCIPLINARY for change in history):
            assert Finding.SUFFICIENT in {a.finding for a in case.allegations}
        closed_alerting = session.scalar(
            select(func.count())
            .select_from(Deadline)
            .where(Deadline.case_id == case.id, Deadline.next_alert_at.is_not(None))
        )
        if case.closed_at is not None:
            assert closed_alerting == 0, "a closed case must stay out of the alert scan"


def _delete_cases(session: Session) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        if "case_id" in table.c and table.name != "cases":
            session.execute(table.delete())
    session.execute(Case.__table__.delete())
    session.commit()


def test_same_seed_gives_the_same_cases_whether_built_at_once_or_topped_up(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    _generate(keys, now, cases=60, seed=11, chunk=60)
    at_once = _metadata(session)
    _delete_cases(session)
    _generate(keys, now, cases=25, seed=11, chunk=7)
    _generate(keys, now, cases=35, seed=11, chunk=9)
    topped_up = _metadata(session)
    assert topped_up == at_once
    _delete_cases(session)
    _generate(keys, now, cases=60, seed=12, chunk=60)
    assert _metadata(session) != at_once


def test_a_different_seed_gives_different_cases(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    _generate(keys, now, cases=40, seed=1)
    first = _metadata(session)
    assert len({row[2] for row in first}) == 40
    assert all(
        opened <= now and opened > now - timedelta(days=7 * 365) for _s, _c, opened, *_ in first
    )
