"""Evidence uploads: type checked by content, size-limited, hashed, encrypted in chunks.

The uploaded file name is never stored or used: the server names the file from its case and id,
and the media type comes from the content's magic bytes, so an `.exe` renamed `.pdf` is refused.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.evidence_models import EvidenceChunk, EvidenceFile
from casework.cases.models import Case
from casework.cases.timeline import record_event
from casework.errors import ValidationFailed
from casework.keys.services import Keys, open_case_cipher

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
MAX_DESCRIPTION = 2_000


@dataclass(frozen=True)
class EvidenceType:
    """A media type accepted as evidence, with the extension of server-made names."""

    media_type: str
    extension: str
    label: str


PDF = EvidenceType("application/pdf", "pdf", "PDF document")
PNG = EvidenceType("image/png", "png", "PNG image")
JPEG = EvidenceType("image/jpeg", "jpg", "JPEG image")
TEXT = EvidenceType("text/plain; charset=utf-8", "txt", "plain text")
DOCX = EvidenceType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "Word document",
)
ACCEPTED_TYPES = (PDF, PNG, JPEG, TEXT, DOCX)


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)


def sniff_type(content: bytes) -> EvidenceType | None:
    """Return the accepted type the content really is, by its bytes; None if not accepted."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(content) else None
    if content and _is_text(content):
        return TEXT
    return None


def _chunks(content: bytes) -> Iterator[bytes]:
    for start in range(0, len(content), CHUNK_BYTES):
        yield content[start : start + CHUNK_BYTES]


def store_evidence(
    session: Session,
    keys: Keys,
    case: Case,
    content: bytes,
    description: str | None,
    uploaded_by: int | None,
    now: datetime,
) -> EvidenceFile:
    """Check, hash and store an evidence file encrypted in chunks; refuse it whole otherwise."""
    errors: dict[str, str] = {}
    kind = None
    if not content:
        errors["file"] = "choose a file to upload"
    elif len(content) > MAX_EVIDENCE_BYTES:
        errors["file"] = f"is larger than the {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB limit"
    else:
        kind = sniff_type(content)
        if kind is None:
            accepted = ", ".join(t.label for t in ACCEPTED_TYPES)
            errors["file"] = f"its content is not an accepted type ({accepted})"
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors["description"] = f"must be at most {MAX_DESCRIPTION} characters"
    if case.shredded_at is not None:
        errors["case"] = "has been crypto-shredded"
    if errors or kind is None:
        raise ValidationFailed(errors)
    cipher = open_case_cipher(session, keys, case.id)
    evidence = EvidenceFile(
        case_id=case.id,
        stored_name="pending",
        media_type=kind.media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by,
        uploaded_at=now,
    )
    session.add(evidence)
    session.flush()
    evidence.stored_name = f"case-{case.id}-evidence-{evidence.id}.{kind.extension}"
    evidence.description_ct = cipher.encrypt_optional(
        "evidence_files", f"description:{evidence.id}", description or None
    )
    field = f"content:{evidence.id}"
    for index, blob in enumerate(cipher.encrypt_chunks("evidence_files", field, _chunks(content))):
        session.add(EvidenceChunk(evidence_id=evidence.id, index=index, blob=blob))
    session.flush()
    record_event(session, case, "evidence_stored", now, uploaded_by, now, evidence_id=evidence.id)
    return evidence


def evidence_description(session: Session, keys: Keys, evidence: EvidenceFile) -> str | None:
    """Decrypt an evidence file's description."""
    cipher = open_case_cipher(session, keys, evidence.case_id)
    return cipher.decrypt_optional(
        "evidence_files", f"description:{evidence.id}", evidence.description_ct
    )


def read_evidence(session: Session, keys: Keys, evidence: EvidenceFile) -> bytes:
    """Decrypt an evidence file whole and check it against its recorded SHA-256."""
    cipher = open_case_cipher(session, keys, evidence.case_id)
    blobs = session.scalars(
        select(EvidenceChunk.blob)
        .where(EvidenceChunk.evidence_id == evidence.id)
        .order_by(EvidenceChunk.index)
    )
    content = b"".join(
        cipher.decrypt_chunks("evidence_files", f"content:{evidence.id}", list(blobs))
    )
    if hashlib.sha256(content).hexdigest() != evidence.sha256:
        raise ValidationFailed({"evidence": f"file {evidence.id} fails its integrity check"})
    return content
