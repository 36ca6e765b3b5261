"""Crypto-shredding: destroy a case's data key and its encrypted rows, keep plaintext metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.cases.clock_models import Extension
from casework.cases.evidence_models import EvidenceChunk, EvidenceFile
from casework.cases.models import Allegation, Case, CaseKey, CaseStep, Party
from casework.errors import TransitionRefused


def shred_case(session: Session, case: Case, now: datetime) -> None:
    """Crypto-shred a case: its data key and every encrypted row go; stage history stays."""
    if case.legal_hold:
        raise TransitionRefused(f"case {case.id} is under legal hold and cannot be shredded")
    session.execute(delete(CaseKey).where(CaseKey.case_id == case.id))
    session.execute(delete(Party).where(Party.case_id == case.id))
    session.execute(delete(Allegation).where(Allegation.case_id == case.id))
    session.execute(delete(CaseStep).where(CaseStep.case_id == case.id))
    evidence_ids = select(EvidenceFile.id).where(EvidenceFile.case_id == case.id)
    session.execute(delete(EvidenceChunk).where(EvidenceChunk.evidence_id.in_(evidence_ids)))
    session.execute(delete(EvidenceFile).where(EvidenceFile.case_id == case.id))
    session.execute(delete(Extension).where(Extension.case_id == case.id))
    case.reference_ct = None
    case.reference_index = None
    case.shredded_at = now
    session.flush()
    session.expire(case, ["parties", "allegations", "steps"])
