"""The audit chain verifies untouched, and names the first row edited, deleted, inserted or moved."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from casework.audit.models import AuditChainHead, AuditEntry
from casework.audit.services import (
    DENIED,
    GENESIS,
    canonical_fields,
    entry_digest,
    hash_frame,
    record_audit,
    verify_chain,
)
from casework.commands.audit import audit_group

ENTRIES = 6


def _chain(session: Session, now: datetime) -> None:
    for number in range(ENTRIES):
        record_audit(
            session,
            actor_id=number + 1,
            action="case.view",
            case_id=100 + number,
            source="192.0.2.1",
            now=now + timedelta(seconds=number),
            outcome=DENIED if number % 2 else "allowed",
        )
    session.commit()


def _tamper(session: Session, *statements: str) -> None:
    for statement in statements:
        session.execute(text(statement))
    session.commit()


def _verify_cli(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(audit_group, ["verify"])
    return result.exit_code, result.output


def test_an_untouched_chain_verifies(app: Flask, session: Session, now: datetime) -> None:
    _chain(session, now)
    report = verify_chain(session)
    assert report.ok and report.entries == ENTRIES
    assert _verify_cli(app) == (0, f"audit chain intact: {ENTRIES} entries\n")


def test_editing_a_row_is_named(app: Flask, session: Session, now: datetime) -> None:
    _chain(session, now)
    _tamper(session, "UPDATE audit_entries SET outcome = 'allowed' WHERE seq = 4")
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 4
    code, output = _verify_cli(app)
    assert code != 0 and "entry 4" in output


def test_editing_a_row_and_recomputing_its_hash_is_named(session: Session, now: datetime) -> None:
    _chain(session, now)
    session.execute(text("UPDATE audit_entries SET actor_id = 99 WHERE seq = 3"))
    session.commit()
    entry = session.execute(text("SELECT seq FROM audit_entries WHERE seq = 3")).scalar_one()
    from casework.audit.models import AuditEntry

    row = session.get(AuditEntry, entry)
    assert row is not None
    row.entry_hash = entry_digest(canonical_fields(row))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 3


def test_deleting_a_row_is_named(session: Session, now: datetime) -> None:
    _chain(session, now)
    _tamper(session, "DELETE FROM audit_entries WHERE seq = 2")
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 2


def test_deleting_the_last_row_is_named(session: Session, now: datetime) -> None:
    _chain(session, now)
    _tamper(session, f"DELETE FROM audit_entries WHERE seq = {ENTRIES}")
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == ENTRIES


def test_inserting_a_row_is_named(session: Session, now: datetime) -> None:
    _chain(session, now)
    head = session.get(AuditChainHead, 1)
    assert head is not None
    seq, prev = ENTRIES + 1, head.last_hash
    fields = {
        "seq": seq,
        "at": "2026-11-25T10:00:00.000000+00:00",
        "actor_id": 1,
        "token_id": None,
        "case_id": 100,
        "action": "case.view",
        "source": "192.0.2.1",
        "outcome": "allowed",
        "prev_hash": prev,
    }
    session.execute(
        text(
            "INSERT INTO audit_entries (seq, at, actor_id, case_id, action, source, outcome, "
            "prev_hash, entry_hash) VALUES (:seq, :at, 1, 100, 'case.view', '192.0.2.1', "
            "'allowed', :prev, :hash)"
        ),
        {"seq": seq, "at": now, "prev": prev, "hash": entry_digest(fields)},
    )
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == seq


def test_reordering_rows_is_named(session: Session, now: datetime) -> None:
    _chain(session, now)
    _tamper(
        session,
        "UPDATE audit_entries SET seq = -3 WHERE seq = 3",
        "UPDATE audit_entries SET seq = 3 WHERE seq = 4",
        "UPDATE audit_entries SET seq = 4 WHERE seq = -3",
    )
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 3


def test_an_export_verifies_with_the_documented_algorithm(
    app: Flask, session: Session, now: datetime, tmp_path: Path
) -> None:
    _chain(session, now)
    target = tmp_path / "audit.jsonl"
    result = app.test_cli_runner().invoke(audit_group, ["export", str(target)])
    assert result.exit_code == 0, result.output
    doc = (Path(__file__).resolve().parents[3] / "docs" / "audit.md").read_text(encoding="utf-8")
    verifier = (
        doc.split("```python\n", 1)[1].split("```", 1)[0].replace("print(verify(sys.argv[1]))", "")
    )
    namespace: dict[str, object] = {}
    exec(verifier, namespace)
    verify = namespace["verify"]
    assert callable(verify)
    assert str(verify(str(target))).startswith(f"ok: {ENTRIES} entries")
    lines = target.read_text(encoding="utf-8").splitlines()
    edited = json.loads(lines[2])
    edited["case_id"] = 999
    lines[2] = json.dumps(edited)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify(str(target)) == "entry 3 altered"


def test_the_hash_frame_rebuilds_the_canonical_serialisation(now: datetime) -> None:
    entry = AuditEntry(
        seq=41,
        at=now,
        actor_id=None,
        token_id=7,
        case_id=None,
        action='odd "action" \\ é',
        source="2001:db8::1 ünïcode",
        outcome=DENIED,
        prev_hash=GENESIS,
    )
    prefix, middle, suffix = hash_frame(entry)
    rebuilt = prefix + GENESIS + middle + "41" + suffix
    assert rebuilt == json.dumps(
        canonical_fields(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )


def test_entries_with_escaped_text_chain_and_verify(session: Session, now: datetime) -> None:
    # The first commit creates the head; later ones chain in the database on PostgreSQL.
    for round_ in range(3):
        for number in range(round_ + 1):
            record_audit(
                session,
                actor_id=None if number else round_,
                action=f'case.view "{round_}" \\ é',
                case_id=None,
                source="2001:db8::1 ünïcode",
                now=now + timedelta(seconds=round_, microseconds=number),
            )
        session.commit()
    report = verify_chain(session)
    assert report.ok, report.reason
    assert report.entries == 6
    head = session.get(AuditChainHead, 1)
    assert head is not None and head.last_seq == 6
