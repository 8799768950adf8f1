"""Where the master keys come from: the ``MasterKeyProvider`` interface and its two
implementations, the keys folder (``FileMasterKeyProvider``, the default) and the environment
(``EnvMasterKeyProvider``: ``REGISTRY_MASTER_KEY``, for several hosts sharing one key store).

A master key wraps every performer's data key (``registry.core.crypto``); it never leaves the
process that unwraps with it. Each master key has an id (``kid``) recorded beside every key it
wraps, so a provider must give any key it ever made current back by its id until no data key
uses it any more (``keys rotate`` re-wraps them all first).

Plugging in a KMS or Vault: write a class with the methods of ``MasterKeyProvider`` (for
instance, keep the 32-byte master key encrypted by the KMS in a file or in Vault's KV store,
decrypt it once in ``__init__`` with the KMS client, and name it by the KMS key version as
``kid``; ``rotate`` asks the KMS for a new key version and ``retire`` schedules an old one for
deletion, or raises ``MasterKeyReadOnly`` if the KMS is rotated by its own operators), then
return it from ``provider_from_config`` for a new ``REGISTRY_MASTER_KEY_PROVIDER`` value. Nothing
else in the registry changes: the key store only calls ``current`` and ``get``.

May import: the standard library and ``registry.core``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from registry.core.crypto import KEY_BYTES, DecryptionError
from registry.core.keys import KeyMissing, MasterKeys


class MasterKeyReadOnly(RuntimeError):
    """This provider cannot make or delete master keys itself (say how instead)."""


class MasterKeyProvider(Protocol):
    """The master keys of the registry, by key id."""

    @property
    def current_kid(self) -> str:
        """The id of the key new data keys are wrapped under."""
        ...

    def current(self) -> tuple[str, bytes]:
        """The current key id and key (re-read if another process may have rotated it)."""
        ...

    def get(self, kid: str) -> bytes:
        """The key of that id; ``DecryptionError`` naming it if the provider does not have it."""
        ...

    def kids(self) -> list[str]:
        """Every key id the provider holds."""
        ...

    def rotate(self) -> str:
        """Make a new current key and return its id (``MasterKeyReadOnly`` if it cannot)."""
        ...

    def retire(self, kid: str) -> bool:
        """Delete a key no data key uses any more; False if the provider keeps it."""
        ...

    def describe(self) -> str:
        """Where the keys come from, for messages (never the keys themselves)."""
        ...


class FileMasterKeyProvider:
    """Master keys as files in ``<KEYS_DIR>/master`` (today's behaviour). Another process
    (``flask keys rotate``) may add a new current key while this one runs: ``current`` re-reads
    ``master/current`` and ``get`` reloads the folder when it meets an id it does not know."""

    def __init__(self, keys: MasterKeys) -> None:
        self.keys = keys

    @classmethod
    def load(cls, directory: Path, *, create: bool) -> FileMasterKeyProvider:
        return cls(MasterKeys.load(directory, create=create))

    @property
    def directory(self) -> Path:
        return self.keys.directory

    @property
    def current_kid(self) -> str:
        return self.keys.current_kid

    def _reload(self) -> None:
        try:
            fresh = MasterKeys.load(self.keys.directory, create=False)
        except KeyMissing:
            return
        self.keys.keys.update(fresh.keys)
        self.keys.current_kid = fresh.current_kid

    def current(self) -> tuple[str, bytes]:
        current_file = self.keys.directory / "current"
        kid = current_file.read_text().strip() if current_file.exists() else self.keys.current_kid
        if kid != self.keys.current_kid or kid not in self.keys.keys:
            self._reload()
        return self.keys.current_kid, self.keys.current

    def get(self, kid: str) -> bytes:
        if kid not in self.keys.keys:
            self._reload()
        key = self.keys.keys.get(kid)
        if key is None:
            raise DecryptionError(f"master key {kid} is missing from {self.keys.directory}")
        return key

    def kids(self) -> list[str]:
        self._reload()
        return sorted(self.keys.keys)

    def rotate(self) -> str:
        return self.keys.rotate()

    def retire(self, kid: str) -> bool:
        if kid == self.keys.current_kid:
            return False
        (self.keys.directory / f"{kid}.key").unlink(missing_ok=True)
        return self.keys.keys.pop(kid, None) is not None

    def describe(self) -> str:
        return f"the keys folder {self.keys.directory}"


def env_kid(key: bytes) -> str:
    """A master key's id from the key itself: every host given the same key agrees on it, and
    the id (a SHA-256 prefix of a random 256-bit key) tells nothing of the key."""
    return "mk_env_" + hashlib.sha256(b"registry master key id\0" + key).hexdigest()[:20]


def _decode(name: str, value: str) -> bytes:
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{name} must be base64 (of {KEY_BYTES} random bytes)") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(f"{name} must be base64 of {KEY_BYTES} bytes, not {len(key)}")
    return key


class EnvMasterKeyProvider:
    """The master key from the environment: ``REGISTRY_MASTER_KEY`` (base64 of 32 random bytes,
    e.g. ``openssl rand -base64 32``), as a secret store or orchestrator hands it to every host;
    keys being rotated out in ``REGISTRY_MASTER_KEYS_PREVIOUS`` (comma-separated).

    It cannot rotate by itself: put a new key in ``REGISTRY_MASTER_KEY``, the old one in
    ``REGISTRY_MASTER_KEYS_PREVIOUS``, restart, and run ``flask keys rotate`` (it re-wraps every
    data key under the new one); then drop the old one from the environment."""

    def __init__(self, current: bytes, previous: tuple[bytes, ...] = ()) -> None:
        self._current_kid = env_kid(current)
        self._keys = {env_kid(key): key for key in previous}
        self._keys[self._current_kid] = current

    @classmethod
    def from_values(cls, current: str, previous: str = "") -> EnvMasterKeyProvider:
        olds = tuple(
            _decode("REGISTRY_MASTER_KEYS_PREVIOUS", part)
            for part in previous.split(",")
            if part.strip()
        )
        return cls(_decode("REGISTRY_MASTER_KEY", current), olds)

    @property
    def current_kid(self) -> str:
        return self._current_kid

    def current(self) -> tuple[str, bytes]:
        return self._current_kid, self._keys[self._current_kid]

    def get(self, kid: str) -> bytes:
        key = self._keys.get(kid)
        if key is None:
            raise DecryptionError(
                f"master key {kid} is not in REGISTRY_MASTER_KEY or REGISTRY_MASTER_KEYS_PREVIOUS"
            )
        return key

    def kids(self) -> list[str]:
        return sorted(self._keys)

    def rotate(self) -> str:
        raise MasterKeyReadOnly(
            "the master key comes from REGISTRY_MASTER_KEY: set a new one there, move the old "
            "one to REGISTRY_MASTER_KEYS_PREVIOUS, restart, and run `keys rotate` again"
        )

    def retire(self, kid: str) -> bool:
        return False  # it is retired by removing it from REGISTRY_MASTER_KEYS_PREVIOUS

    def describe(self) -> str:
        return "the environment (REGISTRY_MASTER_KEY)"


PROVIDERS = ("file", "env")


def provider_from_config(
    config: Mapping[str, Any], master_dir: Path, *, create: bool
) -> MasterKeyProvider:
    """The provider the configuration names (``MASTER_KEY_PROVIDER``; by default ``env`` when
    ``MASTER_KEY`` is set, else ``file``). Raises KeyMissing or ValueError saying what is wrong."""
    name = str(config.get("MASTER_KEY_PROVIDER") or ("env" if config.get("MASTER_KEY") else "file"))
    if name == "file":
        return FileMasterKeyProvider.load(master_dir, create=create)
    if name == "env":
        if not config.get("MASTER_KEY"):
            raise KeyMissing("master key (REGISTRY_MASTER_KEY is not set)")
        return EnvMasterKeyProvider.from_values(
            str(config["MASTER_KEY"]), str(config.get("MASTER_KEYS_PREVIOUS") or "")
        )
    raise ValueError(
        f"REGISTRY_MASTER_KEY_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r}"
    )
