"""Field encryption: authenticated, bound to row and column, naming its key; the key store."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

import pytest

from registry.core.crypto import (
    DataKeyStore,
    DecryptionError,
    KeyDestroyed,
    KeyStoreBusy,
    RewrapProgress,
    ciphertext_key_id,
    decrypt_field,
    encrypt_field,
    field_aad,
)
from registry.core.keys import MasterKeys


class Ring:
    """A master key ring over a MasterKeys folder (as the app's reloading ring does)."""

    def __init__(self, folder: Path) -> None:
        self.keys = MasterKeys.load(folder, create=True)

    def current(self) -> tuple[str, bytes]:
        return self.keys.current_kid, self.keys.current

    def get(self, kid: str) -> bytes:
        return self.keys.keys[kid]


def test_a_ciphertext_names_its_key_and_opens_only_in_its_row_and_column() -> None:
    key = secrets.token_bytes(32)
    aad = field_aad("performers", "email_ct", "prf_1")
    ct = encrypt_field("dk_one", key, b"someone@example.test", aad)
    assert ciphertext_key_id(ct) == "dk_one"
    assert b"someone" not in ct
    assert decrypt_field(ct, lambda kid: key, aad) == b"someone@example.test"
    for other in (
        field_aad("performers", "email_ct", "prf_2"),  # copied to another row
        field_aad("performers", "phone_ct", "prf_1"),  # copied to another column
        field_aad("evidence_documents", "email_ct", "prf_1"),  # another table
    ):
        with pytest.raises(DecryptionError):
            decrypt_field(ct, lambda kid: key, other)
    tampered = bytearray(ct)
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_field(bytes(tampered), lambda kid: key, aad)
    with pytest.raises(DecryptionError):
        decrypt_field(b"\x02" + ct[1:], lambda kid: key, aad)


def test_two_encryptions_of_the_same_value_differ() -> None:
    key = secrets.token_bytes(32)
    aad = field_aad("performers", "legal_name_ct", "prf_1")
    assert encrypt_field("dk", key, b"x", aad) != encrypt_field("dk", key, b"x", aad)


def test_key_store_keeps_keys_wrapped_and_destroys_them_for_good(tmp_path: Path) -> None:
    store = DataKeyStore(tmp_path / "datakeys.sqlite", Ring(tmp_path / "master"))
    key_id = store.create_key()
    key = store.get_key(key_id)
    assert len(key) == 32
    raw = (tmp_path / "datakeys.sqlite").read_bytes()
    assert key not in raw  # only the wrapped form is stored
    assert store.destroy(key_id) is True
    with pytest.raises(KeyDestroyed):
        store.get_key(key_id)
    assert store.destroy(key_id) is False
    for name in ("datakeys.sqlite", "datakeys.sqlite-wal"):
        file = tmp_path / name
        if file.exists():
            assert key_id.encode() not in file.read_bytes(), f"{name} still holds the key row"


def test_a_reader_holding_the_old_copy_makes_destroy_say_so_and_a_rerun_scrubs_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "datakeys.sqlite"
    store = DataKeyStore(path, Ring(tmp_path / "master"))
    key_id = store.create_key()
    store.create_key()  # another key: a later write leaves the file's pages in the WAL
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM data_keys").fetchone() == (2,)  # a snapshot
    with pytest.raises(KeyStoreBusy, match="run the erasure again"):
        store.destroy(key_id, wait=0.3)
    with pytest.raises(KeyDestroyed):
        store.get_key(key_id)  # the row is gone at once
    reader.execute("COMMIT")
    reader.close()
    assert store.destroy(key_id) is False  # the rerun: nothing left to delete, file scrubbed
    for name in ("datakeys.sqlite", "datakeys.sqlite-wal"):
        file = tmp_path / name
        if file.exists():
            assert key_id.encode() not in file.read_bytes(), f"{name} still holds the key row"


def test_rewrap_is_resumable_and_never_leaves_a_key_unreadable(tmp_path: Path) -> None:
    ring = Ring(tmp_path / "master")
    store = DataKeyStore(tmp_path / "datakeys.sqlite", ring)
    ids = [store.create_key() for _ in range(25)]
    before = {i: store.get_key(i) for i in ids}
    old_kid = ring.keys.current_kid
    new_kid = ring.keys.rotate()

    def crash_after_first_batch(step: RewrapProgress) -> None:
        raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        store.rewrap(batch=10, progress=crash_after_first_batch)
    counts = store.count_by_master()
    assert counts == {new_kid: 10, old_kid: 15}
    assert {i: store.get_key(i) for i in ids} == before  # every row still opens
    assert store.rewrap(batch=10) == 15
    assert store.count_by_master() == {new_kid: 25}
    assert {i: store.get_key(i) for i in ids} == before
