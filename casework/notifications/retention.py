"""The retention job: crypto-shred closed cases past their entity's retention period."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.cases.retention import shred_case
from casework.identity.models import Entity
from casework.notifications.models import Disclosure, RetentionRun, SubjectNotice

log = logging.getLogger("casework.notifications")


def _retention_ends(closed_at: datetime, years: int) -> datetime:
    try:
        return closed_at.replace(year=closed_at.year + years)
    except ValueError:  # 29 February
        return closed_at.replace(year=closed_at.year + years, day=28)


def shred_expired_cases(session: Session, now: datetime) -> RetentionRun:
    """Shred every closed case whose retention has passed, unless on legal hold; log ids only."""
    rows = session.execute(
        select(Case, Entity.retention_years)
        .join(Entity, Entity.id == Case.entity_id)
        .where(Case.closed_at.is_not(None), Case.shredded_at.is_(None))
        .order_by(Case.id)
    ).all()
    shredded: list[int] = []
    held = 0
    for case, years in rows:
        if case.closed_at is None or _retention_ends(case.closed_at, years or 7) > now:
            continue
        if case.legal_hold:
            held += 1
            continue
        session.execute(
            update(Disclosure).where(Disclosure.case_id == case.id).values(body_ct=None)
        )
        session.execute(
            update(SubjectNotice).where(SubjectNotice.case_id == case.id).values(body_ct=None)
        )
        shred_case(session, case, now)
        shredded.append(case.id)
    run = RetentionRun(
        ran_at=now, shredded=len(shredded), held=held, case_ids=",".join(map(str, shredded))
    )
    session.add(run)
    session.flush()
    log.info("retention run: shredded=%d held=%d case_ids=%s", len(shredded), held, run.case_ids)
    return run
