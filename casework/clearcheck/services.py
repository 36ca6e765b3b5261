"""Producing ClearCheck records from case outcomes, and exporting them as CSV."""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.decision_models import Decision, DisciplinaryMeasure
from casework.cases.events import CaseEvent, emit
from casework.cases.models import Case, PartyRole
from casework.clearcheck.models import ClearCheckRecord, ScreeningReason
from casework.crypto import SecretBox
from casework.errors import DecryptionFailed, KeyUnavailable
from casework.keys.services import Keys, open_case_cipher
from casework.sensitive import SensitiveText

log = logging.getLogger("casework.clearcheck")
SCREENING_PURPOSE = "clearcheck_records"
CSV_HEADER = ("record_id", "entity_id", "name", "email", "reason", "event_date", "recorded_at")


def screening_reason(decision: Decision) -> ScreeningReason | None:
    """The screening reason a decision implies, if it ends the subject's employment."""
    measures = set(decision.measure_list())
    if DisciplinaryMeasure.DISMISSAL in measures:
        return ScreeningReason.DISMISSED
    if measures & {
        DisciplinaryMeasure.SEPARATION_WITH_NOTICE,
        DisciplinaryMeasure.SEPARATION_WITHOUT_NOTICE,
    }:
        return ScreeningReason.SEPARATED
    return None


def record_screening(
    session: Session,
    keys: Keys,
    case: Case,
    reason: ScreeningReason,
    event_at: datetime,
    now: datetime,
) -> list[ClearCheckRecord]:
    """Write one screening record per subject of a case (idempotent per subject)."""
    cipher = open_case_cipher(session, keys, case.id)
    box = screening_box(keys)
    existing = set(
        session.scalars(
            select(ClearCheckRecord.party_id).where(ClearCheckRecord.case_id == case.id)
        )
    )
    records = []
    for party in case.parties:
        if party.role is not PartyRole.SUBJECT or party.id in existing:
            continue
        record = ClearCheckRecord(
            entity_id=case.entity_id,
            case_id=case.id,
            party_id=party.id,
            reason=reason,
            event_at=event_at,
            recorded_at=now,
        )
        session.add(record)
        session.flush()
        name = cipher.decrypt_optional("parties", "name", party.name_ct)
        email = cipher.decrypt_optional("parties", "email", party.email_ct)
        # Sealed under the screening key, not the case key: the record outlives a shredded case.
        record.name_ct = _seal(box, record, "name", name)
        record.email_ct = _seal(box, record, "email", email)
        session.flush()
        emit(
            session, CaseEvent("clearcheck_recorded", case.id, now, None, {"record_id": record.id})
        )
        records.append(record)
    return records


def export_csv(session: Session, keys: Keys, entity_id: int, now: datetime) -> str:
    """Return an entity's screening records as CSV (decrypted); marks them exported."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    rows = session.scalars(
        select(ClearCheckRecord)
        .where(ClearCheckRecord.entity_id == entity_id)
        .order_by(ClearCheckRecord.id)
    )
    box = screening_box(keys)
    for record in rows:
        name = _open(session, keys, box, record, "name")
        email = _open(session, keys, box, record, "email")
        writer.writerow(
            (
                record.id,
                record.entity_id,
                _neutralise(name or ""),
                _neutralise(email or ""),
                record.reason.value,
                record.event_at.date().isoformat(),
                record.recorded_at.isoformat(timespec="seconds"),
            )
        )
        record.last_exported_at = now
    session.flush()
    return out.getvalue()


def screening_box(keys: Keys) -> SecretBox:
    """The key ClearCheck records are sealed with: derived from the keyring, not any case key."""
    return keys.blind_index.secret_box(SCREENING_PURPOSE)


def _aad(record: ClearCheckRecord, field: str) -> str:
    return f"clearcheck_records|{record.id}|{field}"


def _seal(box: SecretBox, record: ClearCheckRecord, field: str, value: str | None) -> bytes | None:
    return None if value is None else box.encrypt(value, _aad(record, field))


def _open(
    session: Session, keys: Keys, box: SecretBox, record: ClearCheckRecord, field: str
) -> str | None:
    blob: bytes | None = getattr(record, f"{field}_ct")
    if blob is None:
        return None
    try:
        return SensitiveText(box.decrypt(blob, _aad(record, field)))
    except DecryptionFailed:
        pass
    # Written before records had their own key: read it with the case key while that exists,
    # and re-seal it under the screening key so shredding the case no longer loses it.
    try:
        cipher = open_case_cipher(session, keys, record.case_id)
        value = cipher.decrypt("clearcheck_records", f"{field}:{record.id}", blob)
    except (KeyUnavailable, DecryptionFailed):
        log.warning("clearcheck record %d: %s unreadable (case key destroyed)", record.id, field)
        return None
    setattr(record, f"{field}_ct", _seal(box, record, field, value))
    return value


def _neutralise(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
