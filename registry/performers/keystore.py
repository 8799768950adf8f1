"""The running app's data key store (``<KEYS_DIR>/datakeys.sqlite``) and its master key ring.

Master keys are files in ``<KEYS_DIR>/master``. Another process (``flask keys rotate``) may add
a new current master key while this one runs, so the ring re-reads ``master/current`` whenever
it wraps a new data key and reloads the folder when it meets a master key id it does not know.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from registry.appctx import master_keys, setting
from registry.core.crypto import DataKeyStore, DecryptionError
from registry.core.keys import KeyMissing, MasterKeys

STORE_FILE = "datakeys.sqlite"
_EXTENSION = "registry.datakeys"


class ReloadingMasterRing:
    """Adapts ``MasterKeys`` to the key store, picking up keys written by other processes."""

    def __init__(self, keys: MasterKeys) -> None:
        self.keys = keys

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


def store_path() -> Path:
    return Path(setting("KEYS_DIR")) / STORE_FILE


def key_store() -> DataKeyStore:
    """The data key store of the running app (opened once per app)."""
    store = current_app.extensions.get(_EXTENSION)
    if not isinstance(store, DataKeyStore):
        store = DataKeyStore(store_path(), ReloadingMasterRing(master_keys()))
        current_app.extensions[_EXTENSION] = store
    return store
