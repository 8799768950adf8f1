"""The running app's data key store (``<KEYS_DIR>/datakeys.sqlite``) and its master key ring.

Master keys are files in ``<KEYS_DIR>/master``. Another process (``flask keys rotate``) may add
a new current master key while this one runs, so the ring re-reads ``master/current`` whenever
it wraps a new data key and reloads the folder when it meets a master key id it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from registry.appctx import master_keys, setting
from registry.core.crypto import DataKeyStore, DecryptionError, RewrapProgress
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


@dataclass(frozen=True)
class Rotation:
    master_kid: str
    resumed: bool
    rewrapped: int
    retired: tuple[str, ...]


def rotate_master(
    *,
    retire_old: bool = False,
    batch: int = 500,
    progress: Callable[[RewrapProgress], None] | None = None,
) -> Rotation:
    """Make a new master key current and re-wrap every data key under it.

    If an earlier rotation was interrupted (some data keys are still under an older master
    key), this finishes that one instead of starting another. Old master keys stay in the
    folder (a key that still wraps a row is never deleted); ``retire_old`` deletes those that
    no data key uses any more once every row is re-wrapped.
    """
    store = key_store()
    ring = ReloadingMasterRing(master_keys())
    current, _ = ring.current()
    stale = {kid: n for kid, n in store.count_by_master().items() if kid != current}
    resumed = bool(stale)
    if not resumed:
        current = master_keys().rotate()
    rewrapped = store.rewrap(batch=batch, progress=progress)
    retired: list[str] = []
    if retire_old:
        in_use = store.count_by_master()
        keys = master_keys()
        for kid in sorted(keys.keys):
            if kid != keys.current_kid and not in_use.get(kid):
                (keys.directory / f"{kid}.key").unlink(missing_ok=True)
                keys.keys.pop(kid, None)
                retired.append(kid)
    return Rotation(master_keys().current_kid, resumed, rewrapped, tuple(retired))
