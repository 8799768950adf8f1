"""Key rings kept as files in the keys folder: Ed25519 signing keys and AES master keys.

Layout (``KEYS_DIR``, by default ``<data dir>/keys``)::

    signing/<kid>.pem      Ed25519 private keys (PKCS#8); the newest is named in signing/current
    master/<kid>.key       32-byte AES master keys (base64); the current one named in master/current

With a shared key store (``REGISTRY_KEYSTORE_URL``) the signing keys live there instead (wrapped
under the master key), so that every host publishes and signs with the same ones; master keys
come from a ``registry.core.master_keys.MasterKeyProvider`` (this folder, the environment, or a
KMS). Retired keys stay in the folder: signing keys so that old receipts and checkpoints still
verify (their public halves are published in the JWKS), master keys so that a rotation can be
resumed.
"""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc.jwk import OKPKey

from registry.core.ids import new_id

JWS_ALG = "EdDSA"
log = logging.getLogger("registry.keys")
T = TypeVar("T")


class KeyMissing(RuntimeError):
    """A key the configuration requires is not there (production refuses to start)."""


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


@contextmanager
def creating(directory: Path) -> Iterator[None]:
    """Held while a process creates what must exist once in ``directory`` (first keys, the
    development secret): web workers starting together on an empty folder then agree on one."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".create.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's content, writing ``make()`` first if the file does not exist yet (once, even
    with several processes asking at the same time)."""
    if not path.exists():
        with creating(path.parent):
            if not path.exists():
                _write_private(path, make())
    return path.read_bytes()


def _read_ring(
    directory: Path, pattern: str, read: Callable[[Path], T | None]
) -> tuple[dict[str, T], str]:
    """The keys of a ring folder by key id, and the current key id ("" when it has none)."""
    keys: dict[str, T] = {}
    if directory.is_dir():
        for file in sorted(directory.glob(pattern)):
            key = read(file)
            if key is not None:
                keys[file.stem] = key
    current_file = directory / "current"
    current = current_file.read_text().strip() if current_file.exists() else ""
    return keys, current if current in keys else ""


class _Ring(Protocol):
    def rotate(self) -> str: ...


R = TypeVar("R", bound=_Ring)


def _load_ring(
    make: Callable[[str, dict[str, T]], R],
    directory: Path,
    pattern: str,
    read: Callable[[Path], T | None],
    *,
    create: bool,
    missing: str,
) -> R:
    """A key ring with its current key; with ``create``, its first key is made if it has none
    (under ``creating``, so processes starting together make one between them)."""
    keys, current = _read_ring(directory, pattern, read)
    if current:
        return make(current, keys)
    if not create:
        raise KeyMissing(missing)
    with creating(directory):
        keys, current = _read_ring(directory, pattern, read)  # made meanwhile?
        ring = make(current, keys)
        if not current:
            ring.rotate()
    return ring


def _read_ed25519(file: Path) -> Ed25519PrivateKey | None:
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    return key if isinstance(key, Ed25519PrivateKey) else None


def _read_master(file: Path) -> bytes:
    return base64.b64decode(file.read_bytes())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKeySource(Protocol):
    """Where signing keys are kept when not in the keys folder: a key store every host shares
    (``registry.core.pg_keystore.PostgresKeyStore``). A rotation on one host is then seen by
    every other host at its next refresh (``SigningKeys.refresh``)."""

    def load_signing(self) -> tuple[dict[str, Ed25519PrivateKey], str]:
        """Every signing key by key id, and the current key id ("" when there is none)."""
        ...

    def add_signing(self, kid: str, key: Ed25519PrivateKey, *, only_if_none: bool) -> bool:
        """Store ``key`` as the new current key; with ``only_if_none``, only if the store has
        no signing key yet (hosts starting together then agree on one). True if stored."""
        ...


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


REFRESH_SECONDS = 2.0
"""How stale a process's view of the signing keys may get (a rotation elsewhere shows after)."""


@dataclass
class SigningKeys:
    """Ed25519 keys for receipts and audit checkpoints (``registry.receipts`` signs with them).

    Kept in the keys folder (``signing/``), or, with ``source``, in a shared key store. Either
    way ``refresh`` (called for every use through ``registry.appctx.signing_keys``, at most
    every ``REFRESH_SECONDS``) picks up a rotation made by another process or host."""

    directory: Path
    current_kid: str
    private: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    source: SigningKeySource | None = None
    refresh_seconds: float = REFRESH_SECONDS
    _checked: float = field(default=0.0, repr=False)

    @classmethod
    def load(cls, directory: Path, *, create: bool) -> SigningKeys:
        return _load_ring(
            lambda kid, keys: cls(directory, kid, keys),
            directory,
            "*.pem",
            _read_ed25519,
            create=create,
            missing=f"signing key (no current Ed25519 key in {directory})",
        )

    @classmethod
    def from_source(
        cls, source: SigningKeySource, *, create: bool, seed: Path | None = None
    ) -> SigningKeys:
        """The signing keys of a shared store. If it has none yet, the keys of the folder
        ``seed`` are imported (an install moving to a shared store keeps its published keys),
        or, with ``create``, a first key is made; else ``KeyMissing``."""
        keys, current = source.load_signing()
        if not current:
            found, seed_current = _read_ring(seed, "*.pem", _read_ed25519) if seed else ({}, "")
            if seed_current:
                order = [k for k in sorted(found) if k != seed_current] + [seed_current]
                if source.add_signing(order[0], found[order[0]], only_if_none=True):
                    for kid in order[1:]:
                        source.add_signing(kid, found[kid], only_if_none=False)
            elif create:
                source.add_signing(new_id("sig"), Ed25519PrivateKey.generate(), only_if_none=True)
            keys, current = source.load_signing()
            if not current:
                raise KeyMissing("signing key (no current Ed25519 key in the key store)")
        ring = cls(seed or Path(), current, keys, source)
        ring._checked = time.monotonic()
        return ring

    def refresh(self, *, force: bool = False) -> SigningKeys:
        """Re-read the keys if the last look is older than ``refresh_seconds``; returns self."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return self
        self._checked = now
        if self.source is not None:
            try:
                keys, current = self.source.load_signing()
            except Exception:  # the store is unreachable: keep signing with what we have
                if force:
                    raise
                log.warning("signing keys not re-read from the key store", exc_info=True)
                return self
        else:
            current_file = self.directory / "current"
            if not current_file.exists():
                return self
            current = current_file.read_text().strip()
            if current == self.current_kid and current in self.private:
                return self
            keys, current = _read_ring(self.directory, "*.pem", _read_ed25519)
        if current:
            self.private.update(keys)
            self.current_kid = current
        return self

    def rotate(self) -> str:
        """Create a new current key; the previous ones stay for verification."""
        kid = new_id("sig")
        key = Ed25519PrivateKey.generate()
        if self.source is not None:
            self.source.add_signing(kid, key, only_if_none=False)
        else:
            _write_private(self.directory / f"{kid}.pem", _pem(key))
            _write_private(self.directory / "current", kid.encode())
        self.private[kid] = key
        self.current_kid = kid
        return kid

    def public(self, kid: str) -> Ed25519PublicKey | None:
        if kid not in self.private:  # made by another process or host since the last look
            self.refresh(force=True)
        key = self.private.get(kid)
        return key.public_key() if key else None

    def jwk(self, kid: str) -> OKPKey:
        raw = (
            self.private[kid]
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": kid})

    def jwks(self) -> dict[str, Any]:
        """Every public key, current first, as a JWK Set."""
        kids = [self.current_kid, *sorted(k for k in self.private if k != self.current_kid)]
        out = []
        for kid in kids:
            entry = self.jwk(kid).as_dict(private=False)
            entry.update({"kid": kid, "alg": JWS_ALG, "use": "sig"})
            out.append(entry)
        return {"keys": out}


@dataclass
class MasterKeys:
    """AES-256 master keys that wrap each performer's data key."""

    directory: Path
    current_kid: str
    keys: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path, *, create: bool) -> MasterKeys:
        return _load_ring(
            lambda kid, keys: cls(directory, kid, keys),
            directory,
            "*.key",
            _read_master,
            create=create,
            missing=f"master key (no current master key in {directory})",
        )

    def rotate(self) -> str:
        kid = new_id("mk")
        key = secrets.token_bytes(32)
        _write_private(self.directory / f"{kid}.key", base64.b64encode(key))
        _write_private(self.directory / "current", kid.encode())
        self.keys[kid] = key
        self.current_kid = kid
        return kid

    @property
    def current(self) -> bytes:
        return self.keys[self.current_kid]
