"""All cryptography lives here: envelope encryption, key providers, blind indexes.

Design (see security.md): one random AES-256-GCM data key per case, stored only wrapped by a
versioned key-encryption key (KEK) held by a key provider. Every ciphertext is a format byte,
a 12-byte random nonce and the AES-GCM output, with associated data that binds it to its place
(`v1|table|case_id|field`), so a ciphertext moved to another case or field fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.errors import ConfigError, DecryptionFailed, KeyUnavailable
from casework.sensitive import SensitiveText

FORMAT_V1 = 1
NONCE_BYTES = 12
KEY_BYTES = 32
KEYRING_FORMAT = 1


def associated_data(table: str, case_id: int, field: str) -> bytes:
    """Bind a ciphertext to its table, case and field."""
    return f"v{FORMAT_V1}|{table}|{case_id}|{field}".encode()


def _seal(key: bytes | AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    nonce = os.urandom(NONCE_BYTES)
    return bytes([FORMAT_V1]) + nonce + aead.encrypt(nonce, plaintext, aad)


def _open(key: bytes | AESGCM, blob: bytes, aad: bytes, what: str) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != FORMAT_V1:
        raise DecryptionFailed(f"{what}: not a version-{FORMAT_V1} ciphertext")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return (key if isinstance(key, AESGCM) else AESGCM(key)).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionFailed(
            f"{what}: authentication failed (corrupt, or moved from another record or field)"
        ) from None


def new_data_key() -> bytes:
    """Return a fresh random AES-256 data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class CaseCipher:
    """Encrypts and decrypts the fields of one case with its data key."""

    __slots__ = ("_aad", "_key", "case_id")

    def __init__(self, case_id: int, data_key: bytes) -> None:
        if len(data_key) != KEY_BYTES:
            raise KeyUnavailable(f"case {case_id}: data key has the wrong length")
        self.case_id = case_id
        # One AES-GCM context for every field of the case (a 200-step page decrypts 200 times).
        self._key = AESGCM(data_key)
        self._aad: dict[tuple[str, str], bytes] = {}

    def _field_aad(self, table: str, field: str) -> bytes:
        aad = self._aad.get((table, field))
        if aad is None:
            aad = self._aad[(table, field)] = associated_data(table, self.case_id, field)
        return aad

    def __repr__(self) -> str:
        return f"CaseCipher(case_id={self.case_id})"

    def encrypt(self, table: str, field: str, plaintext: str) -> bytes:
        """Encrypt a text field bound to this case, table and field."""
        return _seal(self._key, plaintext.encode(), self._field_aad(table, field))

    def decrypt(self, table: str, field: str, blob: bytes) -> str:
        """Decrypt a text field; raises DecryptionFailed if it belongs elsewhere."""
        aad = self._field_aad(table, field)
        plain = _open(self._key, blob, aad, f"case {self.case_id} {table}.{field}")
        return SensitiveText(plain.decode())

    def encrypt_optional(self, table: str, field: str, plaintext: str | None) -> bytes | None:
        """Encrypt a field that may be absent."""
        return None if plaintext is None else self.encrypt(table, field, plaintext)

    def decrypt_optional(self, table: str, field: str, blob: bytes | None) -> str | None:
        """Decrypt a field that may be absent."""
        return None if blob is None else self.decrypt(table, field, blob)

    def encrypt_chunks(self, table: str, field: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Encrypt a stream chunk by chunk; each chunk is bound to its index and to the end."""
        pending: bytes | None = None
        index = 0
        for chunk in chunks:
            if pending is not None:
                yield self._seal_chunk(table, field, index, pending, last=False)
                index += 1
            pending = chunk
        yield self._seal_chunk(table, field, index, pending or b"", last=True)

    def decrypt_chunks(self, table: str, field: str, blobs: Iterable[bytes]) -> Iterator[bytes]:
        """Decrypt a chunked stream; truncation, reordering or splicing fails."""
        saw_last = False
        for index, blob in enumerate(blobs):
            if saw_last:
                raise DecryptionFailed(f"case {self.case_id} {table}.{field}: data after end")
            try:
                yield self._open_chunk(table, field, index, blob, last=False)
            except DecryptionFailed:
                yield self._open_chunk(table, field, index, blob, last=True)
                saw_last = True
        if not saw_last:
            raise DecryptionFailed(f"case {self.case_id} {table}.{field}: stream truncated")

    def _chunk_aad(self, table: str, field: str, index: int, last: bool) -> bytes:
        return associated_data(table, self.case_id, field) + f"|{index}|{int(last)}".encode()

    def _seal_chunk(self, table: str, field: str, index: int, data: bytes, last: bool) -> bytes:
        return _seal(self._key, data, self._chunk_aad(table, field, index, last))

    def _open_chunk(self, table: str, field: str, index: int, blob: bytes, last: bool) -> bytes:
        aad = self._chunk_aad(table, field, index, last)
        return _open(self._key, blob, aad, f"case {self.case_id} {table}.{field} chunk {index}")


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under one KEK version."""

    kek_version: int
    blob: bytes


class KeyProvider(Protocol):
    """What a KEK holder must offer; a Vault Transit or cloud KMS adapter implements this.

    The provider never hands out a KEK: it wraps and unwraps data keys. `case_id` is bound into
    the wrapping as associated data, so a wrapped key copied to another case does not unwrap.
    """

    def active_kek_version(self) -> int:
        """Return the version new data keys are wrapped with."""
        ...

    def usable_kek_versions(self) -> frozenset[int]:
        """Return the versions that can still unwrap (active and not yet retired)."""
        ...

    def wrap_data_key(self, case_id: int, data_key: bytes) -> WrappedKey:
        """Wrap a data key with the active KEK."""
        ...

    def unwrap_data_key(self, case_id: int, wrapped: WrappedKey) -> bytes:
        """Unwrap a data key; raises KeyUnavailable if its KEK is retired or missing."""
        ...


def _wrap_aad(case_id: int, kek_version: int) -> bytes:
    return f"v{FORMAT_V1}|case_keys|{case_id}|kek{kek_version}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, where: str) -> bytes:
    if not isinstance(text, str):
        raise ConfigError(f"keyring: {where} must be base64 text")
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"keyring: {where} is not valid base64") from None
    if len(value) != KEY_BYTES:
        raise ConfigError(f"keyring: {where} must be {KEY_BYTES} bytes, found {len(value)}")
    return value


@dataclass
class _KekEntry:
    key: bytes | None
    created_at: str
    retired_at: str | None = None


class LocalKeyring:
    """KEKs, the blind-index key and the session secret in a local JSON file (embedded profile).

    The file must be readable by the service only; back it up apart from the database, since a
    database backup is useless without it and a keyring with the database is the whole secret.
    """

    def __init__(
        self,
        path: Path,
        keks: dict[int, _KekEntry],
        active: int,
        blind_index_key: bytes,
        session_secret: bytes,
    ) -> None:
        self.path = path
        self._keks = keks
        self._active = active
        self.blind_index_key = blind_index_key
        self.session_secret = session_secret
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _refresh(self) -> None:
        """Pick up a rotation or retirement done by another process (one stat per call)."""
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp:
            return
        fresh = LocalKeyring.load(self.path)
        self._keks, self._active = fresh._keks, fresh._active
        self._stamp = fresh._stamp

    def __repr__(self) -> str:
        return f"LocalKeyring(path={str(self.path)!r}, active={self._active})"

    @classmethod
    def create(cls, path: Path, now: datetime) -> LocalKeyring:
        """Create a new keyring file with one KEK; refuses to overwrite an existing one."""
        if path.exists():
            raise ConfigError(f"keyring {path} already exists; refusing to overwrite keys")
        keyring = cls(
            path,
            {1: _KekEntry(new_data_key(), now.isoformat())},
            1,
            secrets.token_bytes(KEY_BYTES),
            secrets.token_bytes(KEY_BYTES),
        )
        keyring.save()
        return keyring

    @classmethod
    def load(cls, path: Path) -> LocalKeyring:
        """Load and validate a keyring file; any problem stops start-up with one clear line."""
        if not path.is_file():
            raise ConfigError(
                f"keyring file {path} not found: run `casework init` to create keys, "
                "or set CASEWORK_KEYRING to the keyring's path"
            )
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"keyring file {path} is unreadable or not JSON ({exc})") from None
        if not isinstance(raw, dict) or raw.get("format") != KEYRING_FORMAT:
            raise ConfigError(f"keyring file {path}: expected format {KEYRING_FORMAT}")
        keks = cls._parse_keks(raw.get("keks"))
        active = raw.get("active")
        if not isinstance(active, int) or active not in keks or keks[active].key is None:
            raise ConfigError(f"keyring file {path}: 'active' must name a KEK version with a key")
        return cls(
            path,
            keks,
            active,
            _unb64(raw.get("blind_index_key"), "blind_index_key"),
            _unb64(raw.get("session_secret"), "session_secret"),
        )

    @staticmethod
    def _parse_keks(raw: object) -> dict[int, _KekEntry]:
        if not isinstance(raw, dict) or not raw:
            raise ConfigError("keyring: 'keks' must be a non-empty object of versions")
        keks: dict[int, _KekEntry] = {}
        for version_text, entry in raw.items():
            if not str(version_text).isdigit() or not isinstance(entry, dict):
                raise ConfigError(f"keyring: KEK version {version_text!r} is malformed")
            version = int(version_text)
            retired_at = entry.get("retired_at")
            key = None if retired_at else _unb64(entry.get("key"), f"KEK {version}")
            keks[version] = _KekEntry(key, str(entry.get("created_at", "")), retired_at)
        return keks

    def save(self) -> None:
        """Write the keyring atomically (temp file, fsync, rename), readable by the owner only."""
        document: dict[str, Any] = {
            "format": KEYRING_FORMAT,
            "active": self._active,
            "keks": {
                str(version): {
                    "created_at": entry.created_at,
                    **({"key": _b64(entry.key)} if entry.key is not None else {}),
                    **({"retired_at": entry.retired_at} if entry.retired_at else {}),
                }
                for version, entry in sorted(self._keks.items())
            },
            "blind_index_key": _b64(self.blind_index_key),
            "session_secret": _b64(self.session_secret),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".keyring-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, indent=2)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp_name, self.path)
            self._stamp = self._file_stamp()
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def active_kek_version(self) -> int:
        """Return the version new data keys are wrapped with."""
        self._refresh()
        return self._active

    def usable_kek_versions(self) -> frozenset[int]:
        """Return the versions whose key material is still present."""
        self._refresh()
        return frozenset(v for v, entry in self._keks.items() if entry.key is not None)

    def kek_states(self) -> dict[int, str]:
        """Return each version's state: active, usable or retired."""
        self._refresh()
        return {
            version: "active"
            if version == self._active
            else ("retired" if entry.key is None else "usable")
            for version, entry in sorted(self._keks.items())
        }

    def add_kek_version(self, now: datetime) -> int:
        """Create a new KEK version, make it active and save; returns the new version."""
        self._refresh()
        version = max(self._keks) + 1
        self._keks[version] = _KekEntry(new_data_key(), now.isoformat())
        self._active = version
        self.save()
        return version

    def retire_kek_version(self, version: int, now: datetime) -> None:
        """Destroy an old KEK's key material; the caller checks nothing is wrapped with it."""
        self._refresh()
        if version == self._active:
            raise KeyUnavailable(f"KEK version {version} is active; rotate before retiring it")
        entry = self._keks.get(version)
        if entry is None or entry.key is None:
            raise KeyUnavailable(f"KEK version {version} does not exist or is already retired")
        entry.key = None
        entry.retired_at = now.isoformat()
        self.save()

    def wrap_data_key(self, case_id: int, data_key: bytes) -> WrappedKey:
        """Wrap a data key with the active KEK, bound to the case."""
        self._refresh()
        kek = self._kek(self._active)
        return WrappedKey(self._active, _seal(kek, data_key, _wrap_aad(case_id, self._active)))

    def unwrap_data_key(self, case_id: int, wrapped: WrappedKey) -> bytes:
        """Unwrap a data key; a retired or unknown KEK version fails closed."""
        self._refresh()
        kek = self._kek(wrapped.kek_version)
        aad = _wrap_aad(case_id, wrapped.kek_version)
        return _open(kek, wrapped.blob, aad, f"case {case_id} data key")

    def _kek(self, version: int) -> bytes:
        entry = self._keks.get(version)
        if entry is None or entry.key is None:
            raise KeyUnavailable(f"KEK version {version} is not available (retired or unknown)")
        return entry.key


def _normalise(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


class BlindIndex:
    """HMAC-SHA256 blind indexes for exact-match lookups, one purpose label per kind of value."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise KeyUnavailable("blind index key has the wrong length")
        self._key = key

    def __repr__(self) -> str:
        return "BlindIndex()"

    def compute(self, purpose: str, value: str) -> str:
        """Return the hex blind index of a normalised value for one purpose."""
        message = f"{purpose}|{_normalise(value)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def secret_box(self, purpose: str) -> SecretBox:
        """Return a SecretBox whose key is derived (HKDF, own purpose label) from this key."""
        return SecretBox(self._key, f"secret-box|{purpose}")


class SecretBox:
    """AES-256-GCM for small system secrets (e.g. TOTP seeds) under a key derived for one purpose.

    The key is HKDF-SHA256 of a keyring root secret with the purpose as info, so each purpose
    gets its own key and no new keyring entry is needed. Ciphertexts are bound to `aad`.
    """

    __slots__ = ("_key", "purpose")

    def __init__(self, root: bytes, purpose: str) -> None:
        if len(root) != KEY_BYTES:
            raise KeyUnavailable("secret box root key has the wrong length")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode())
        self._key = hkdf.derive(root)
        self.purpose = purpose

    def __repr__(self) -> str:
        return f"SecretBox(purpose={self.purpose!r})"

    def encrypt(self, plaintext: str, aad: str) -> bytes:
        """Encrypt a small secret bound to `aad` (e.g. `staff_users|42|totp_secret`)."""
        return _seal(self._key, plaintext.encode(), f"{self.purpose}|{aad}".encode())

    def decrypt(self, blob: bytes, aad: str) -> str:
        """Decrypt a small secret; raises DecryptionFailed if it was moved or altered."""
        return _open(self._key, blob, f"{self.purpose}|{aad}".encode(), self.purpose).decode()


def sha256_hex(value: str) -> str:
    """Return the SHA-256 hex digest of a text (for high-entropy tokens stored hashed)."""
    return hashlib.sha256(value.encode()).hexdigest()


def hmac_hex(key: bytes, message: str) -> str:
    """Return the HMAC-SHA256 hex digest of a message under a key."""
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(left.encode(), right.encode())
