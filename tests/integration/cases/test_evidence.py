"""Evidence: type by content, size limit, SHA-256 chain of custody, chunked encryption."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases import evidence as evidence_module
from casework.cases.evidence import read_evidence, sniff_type, store_evidence
from casework.cases.evidence_models import EvidenceChunk, EvidenceFile
from casework.errors import ValidationFailed
from casework.keys.services import Keys
from tests.factories import make_case, make_entity

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _counts(session: Session) -> tuple[int, int]:
    files = session.scalar(select(func.count()).select_from(EvidenceFile)) or 0
    chunks = session.scalar(select(func.count()).select_from(EvidenceChunk)) or 0
    return files, chunks


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n0000", "image/png"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        ("Notes d'entretien, ça va\n".encode(), "text/plain; charset=utf-8"),
        (_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_accepted_types_are_recognised_by_content(content: bytes, media_type: str) -> None:
    found = sniff_type(content)
    assert found is not None and found.media_type == media_type


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00\x03\x00\x00\x00", b"\x7fELF\x02\x01", b"PK\x03\x04not a docx", b"bad\x00text"],
)
def test_disguised_or_binary_content_is_refused(content: bytes) -> None:
    assert sniff_type(content) is None


def test_evidence_round_trips_encrypted_in_chunks(
    session: Session, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence_module, "CHUNK_BYTES", 1000)
    case = make_case(session, keys, make_entity(session, NOW), NOW)
    content = b"%PDF-1.7\n" + b"canary-evidence-" * 200
    stored = store_evidence(session, keys, case, content, "Screenshot", None, NOW)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.stored_name == f"case-{case.id}-evidence-{stored.id}.pdf"
    blobs = list(session.scalars(select(EvidenceChunk.blob)))
    assert len(blobs) == 4 and all(b"canary-evidence" not in blob for blob in blobs)
    assert read_evidence(session, keys, stored) == content


def test_exe_renamed_and_oversized_uploads_write_nothing(
    session: Session, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case(session, keys, make_entity(session, NOW), NOW)
    before = _counts(session)
    with pytest.raises(ValidationFailed, match="not an accepted type"):
        store_evidence(session, keys, case, b"MZ\x90\x00" + b"\x00" * 64, None, None, NOW)
    monkeypatch.setattr(evidence_module, "MAX_EVIDENCE_BYTES", 100)
    with pytest.raises(ValidationFailed, match="larger than"):
        store_evidence(session, keys, case, b"%PDF-" + b"x" * 200, None, None, NOW)
    with pytest.raises(ValidationFailed, match="choose a file"):
        store_evidence(session, keys, case, b"", None, None, NOW)
    assert _counts(session) == before
