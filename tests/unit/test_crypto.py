"""Envelope encryption: round trips, binding to place, tamper detection, the keyring file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.crypto import BlindIndex, CaseCipher, LocalKeyring, new_data_key
from casework.errors import ConfigError, DecryptionFailed, KeyUnavailable

NOW = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring.create(tmp_path / "keyring.json", NOW)


def test_field_round_trips_and_hides_plaintext() -> None:
    cipher = CaseCipher(7, new_data_key())
    blob = cipher.encrypt("parties", "name", "Zoë Canary-Näme")
    assert b"Canary" not in blob and "Zoë".encode() not in blob
    assert blob[0] == 1 and len(blob) == 1 + 12 + len("Zoë Canary-Näme".encode()) + 16
    assert cipher.decrypt("parties", "name", blob) == "Zoë Canary-Näme"


def test_same_plaintext_encrypts_differently_each_time() -> None:
    cipher = CaseCipher(7, new_data_key())
    assert cipher.encrypt("parties", "name", "x") != cipher.encrypt("parties", "name", "x")


@pytest.mark.parametrize(
    ("case_id", "table", "field"),
    [(8, "parties", "name"), (7, "parties", "email"), (7, "case_steps", "name")],
)
def test_ciphertext_moved_elsewhere_fails(case_id: int, table: str, field: str) -> None:
    key = new_data_key()
    blob = CaseCipher(7, key).encrypt("parties", "name", "secret")
    with pytest.raises(DecryptionFailed, match="moved from another record or field"):
        CaseCipher(case_id, key).decrypt(table, field, blob)


def test_error_message_never_contains_the_plaintext() -> None:
    blob = CaseCipher(7, new_data_key()).encrypt("parties", "name", "Canary Name")
    with pytest.raises(DecryptionFailed) as info:
        CaseCipher(7, new_data_key()).decrypt("parties", "name", blob)
    assert "Canary" not in str(info.value)


def test_flipped_bit_and_unknown_format_fail() -> None:
    cipher = CaseCipher(1, new_data_key())
    blob = bytearray(cipher.encrypt("t", "f", "value"))
    blob[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        cipher.decrypt("t", "f", bytes(blob))
    with pytest.raises(DecryptionFailed, match="not a version-1"):
        cipher.decrypt("t", "f", b"\x02" + bytes(blob[1:]))


def test_chunked_stream_round_trips_and_detects_truncation_and_reordering() -> None:
    cipher = CaseCipher(3, new_data_key())
    chunks = [b"a" * 10, b"b" * 10, b"c" * 3]
    sealed = list(cipher.encrypt_chunks("evidence", "content", chunks))
    assert b"".join(cipher.decrypt_chunks("evidence", "content", sealed)) == b"".join(chunks)
    with pytest.raises(DecryptionFailed, match="truncated"):
        list(cipher.decrypt_chunks("evidence", "content", sealed[:2]))
    with pytest.raises(DecryptionFailed):
        list(cipher.decrypt_chunks("evidence", "content", [sealed[1], sealed[0], sealed[2]]))


def test_wrapped_key_is_bound_to_its_case(keyring: LocalKeyring) -> None:
    data_key = new_data_key()
    wrapped = keyring.wrap_data_key(5, data_key)
    assert keyring.unwrap_data_key(5, wrapped) == data_key
    with pytest.raises(DecryptionFailed):
        keyring.unwrap_data_key(6, wrapped)


def test_keyring_reloads_and_retired_version_fails_closed(keyring: LocalKeyring) -> None:
    wrapped_v1 = keyring.wrap_data_key(1, new_data_key())
    assert keyring.add_kek_version(NOW) == 2
    keyring.retire_kek_version(1, NOW)
    reloaded = LocalKeyring.load(keyring.path)
    assert reloaded.active_kek_version() == 2
    assert reloaded.usable_kek_versions() == frozenset({2})
    assert "key" not in json.loads(keyring.path.read_text())["keks"]["1"]
    with pytest.raises(KeyUnavailable, match="KEK version 1 is not available"):
        reloaded.unwrap_data_key(1, wrapped_v1)


def test_active_version_cannot_be_retired(keyring: LocalKeyring) -> None:
    with pytest.raises(KeyUnavailable, match="active"):
        keyring.retire_kek_version(1, NOW)


def test_keyring_file_is_private(keyring: LocalKeyring) -> None:
    assert keyring.path.stat().st_mode & 0o077 == 0


def test_create_refuses_to_overwrite(keyring: LocalKeyring) -> None:
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        LocalKeyring.create(keyring.path, NOW)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found: run `casework init`"),
        ("{not json", "not JSON"),
        ('{"format": 9}', "expected format 1"),
        ('{"format": 1, "keks": {"1": {"key": "AAAA"}}, "active": 1}', "must be 32 bytes"),
        ('{"format": 1, "keks": {"1": {"key": "!!"}}, "active": 1}', "not valid base64"),
    ],
)
def test_malformed_keyring_stops_with_one_clear_line(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "keyring.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        LocalKeyring.load(path)
    assert "\n" not in str(info.value)


def test_blind_index_normalises_and_separates_purposes() -> None:
    index = BlindIndex(new_data_key())
    assert index.compute("email", " Person@Example.org ") == index.compute(
        "email", "person@example.org"
    )
    assert index.compute("email", "a@b.c") != index.compute("reference", "a@b.c")
    assert index.compute("email", "a@b.c") != BlindIndex(new_data_key()).compute("email", "a@b.c")
