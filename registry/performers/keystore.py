"""The running app's data key store and master key rotation.

The store is the SQLite file ``<KEYS_DIR>/datakeys.sqlite`` by default, or a PostgreSQL database
of its own (``REGISTRY_KEYSTORE_URL``, ``registry.core.pg_keystore``) that several hosts share.
Master keys come from the app's ``MasterKeyProvider`` (``registry.core.master_keys``): files in
``<KEYS_DIR>/master``, re-read when another process rotates them, or ``REGISTRY_MASTER_KEY``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from registry.appctx import master_keys, setting, signing_keys
from registry.core.crypto import DataKeyStore, KeyStore, RewrapProgress
from registry.core.pg_keystore import PostgresKeyStore, open_store

STORE_FILE = "datakeys.sqlite"
_EXTENSION = "registry.datakeys"


def store_path() -> Path:
    return Path(setting("KEYS_DIR")) / STORE_FILE


def key_store() -> KeyStore:
    """The data key store of the running app (opened once per app): PostgreSQL when
    ``KEYSTORE_URL`` is set, else the SQLite file in the keys folder."""
    store = current_app.extensions.get(_EXTENSION)
    if store is None:
        url = setting("KEYSTORE_URL")
        shared = signing_keys().source  # config opened it for the signing keys
        if isinstance(shared, PostgresKeyStore):
            store = shared
        elif url:
            store = open_store(str(url), master_keys())
        else:
            store = DataKeyStore(store_path(), master_keys())
        current_app.extensions[_EXTENSION] = store
    assert isinstance(store, DataKeyStore | PostgresKeyStore)
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
    provider = master_keys()
    current, _ = provider.current()
    stale = {kid: n for kid, n in store.count_by_master().items() if kid != current}
    resumed = bool(stale)
    if not resumed:
        current = provider.rotate()  # MasterKeyReadOnly: the provider says how to rotate it
    rewrapped = store.rewrap(batch=batch, progress=progress)
    retired: list[str] = []
    if retire_old:
        in_use = store.count_by_master()
        for kid in provider.kids():
            if kid != provider.current_kid and not in_use.get(kid) and provider.retire(kid):
                retired.append(kid)
    return Rotation(provider.current_kid, resumed, rewrapped, tuple(retired))
