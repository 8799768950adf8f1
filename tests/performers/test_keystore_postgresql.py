"""The key store in a PostgreSQL database of its own (``REGISTRY_KEYSTORE_URL``): erasure,
master key rotation and the backup test run again on it; two hosts with their own keys folders
share data keys and signing keys through it. Runs with ``--db postgresql`` only."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask

from registry.app import create_app
from registry.appctx import signing_keys
from registry.config import ConfigError
from registry.core.crypto import KeyStoreBusy
from registry.core.pg_keystore import PostgresKeyStore
from registry.extensions import db
from registry.performers.keystore import key_store
from registry.performers.models import Performer
from registry.performers.personal import reveal
from registry.receipts.verify import verify_receipt
from tests.databases import temporary_database
from tests.factories import api_record, bearer, make_production, make_user
from tests.factories.performers import performer_with_personal_data
from tests.performers.test_erasure_and_rotation import (  # run again on the PostgreSQL store
    test_erasing_an_unknown_performer_says_so,
    test_erasure_makes_personal_data_unreadable_everywhere_even_in_an_earlier_backup,
    test_keys_rotate_rewraps_every_data_key_and_resumes_after_an_interruption,
)

__all__ = [
    "test_erasing_an_unknown_performer_says_so",
    "test_erasure_makes_personal_data_unreadable_everywhere_even_in_an_earlier_backup",
    "test_keys_rotate_rewraps_every_data_key_and_resumes_after_an_interruption",
]


@pytest.fixture(autouse=True)
def keystore_url(db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A PostgreSQL key store database of its own, set for every app the test creates."""
    if db_kind != "postgresql":
        pytest.skip("the PostgreSQL key store runs with --db postgresql")
    with temporary_database("postgresql", tmp_path) as url:
        monkeypatch.setenv("REGISTRY_KEYSTORE_URL", url)
        yield url


def _dump(url: str) -> str:
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return subprocess.run(
        ["pg_dump", "--schema-only", plain], check=True, capture_output=True, text=True
    ).stdout


def test_the_main_database_holds_no_key_and_its_dump_carries_none(
    isolated_app: Flask, keystore_url: str
) -> None:
    with isolated_app.app_context():
        rep, _ = make_user("talent_rep")
        performer = performer_with_personal_data(rep, legal_name="Ines Split-Store")
        key_id = performer.data_key_id
        db.session.rollback()
        assert isinstance(key_store(), PostgresKeyStore)
        assert key_store().exists(key_id)
        main_url = isolated_app.config["SQLALCHEMY_DATABASE_URI"]
    assert "data_keys" not in _dump(main_url) and "signing_keys" not in _dump(main_url)
    assert "data_keys" in _dump(keystore_url) and "signing_keys" in _dump(keystore_url)
    plain = keystore_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as conn:
        stored = conn.execute("SELECT wrapped FROM data_keys WHERE id = %s", (key_id,)).fetchone()
    assert stored is not None and len(bytes(stored[0])) == 12 + 32 + 16  # wrapped, not raw


def test_a_key_store_url_naming_the_main_database_is_refused(tmp_path: Path) -> None:
    refused = pytest.raises(ConfigError, match="REGISTRY_KEYSTORE_URL naming a database of its")
    with temporary_database("postgresql", tmp_path) as url, refused:
        create_app({"DATABASE_URL": url, "KEYSTORE_URL": url, "DATA_DIR": str(tmp_path)})


@pytest.fixture
def master(monkeypatch: pytest.MonkeyPatch) -> str:
    """One master key in the environment (as a secret store hands it to every host); asked for
    before ``isolated_app``, so that app uses it too."""
    value = base64.b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv("REGISTRY_MASTER_KEY", value)
    return value


def _host(url: str, folder: Path, master: str) -> Flask:
    """One "host": its own data and keys folders, the shared databases, the master key from
    the environment provider."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "DATA_DIR": str(folder),
            "MASTER_KEY": master,
            "SMTP_URL": None,
        }
    )


def test_two_hosts_share_data_keys_and_a_signing_rotation_on_one_shows_in_every_jwks(
    master: str, isolated_app: Flask, tmp_path: Path
) -> None:
    url = isolated_app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = _host(url, tmp_path / "a", master), _host(url, tmp_path / "b", master)
    assert not (tmp_path / "a" / "keys" / "master").exists()  # the key came from the env
    client_a, client_b = first.test_client(), second.test_client()
    with first.app_context():
        rep, token = make_user("talent_rep")
        performer = performer_with_personal_data(rep, legal_name="Noor Two-Hosts")
        consent = api_record(client_a, token, performer.id, make_production().id)
        performer_id = performer.id
        db.session.rollback()
    with second.app_context():  # written on one host, decrypted on the other
        found = reveal(db.session.get(Performer, performer_id))  # type: ignore[arg-type]
        assert found is not None and found["legal_name"] == "Noor Two-Hosts"
        assert verify_receipt(consent["receipt"])["consent_id"] == consent["id"]
        db.session.rollback()

    before = client_b.get("/.well-known/jwks.json").json
    assert before == client_a.get("/.well-known/jwks.json").json  # one set for both hosts
    result = first.test_cli_runner().invoke(args=["keys", "rotate-signing"])
    assert result.exit_code == 0, result.output
    new_kid = result.output.split()[3]
    deadline = time.monotonic() + 10
    while True:
        published = client_b.get("/.well-known/jwks.json").json
        assert published is not None
        kids = [k["kid"] for k in published["keys"]]
        if kids[0] == new_kid or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert before is not None
    assert kids[0] == new_kid and {k["kid"] for k in before["keys"]} <= set(kids)
    with second.app_context():  # the other host now signs with the new key
        got = client_b.get(f"/api/v1/consents/{consent['id']}", headers=bearer(token)).json
        assert got is not None and verify_receipt(got["receipt"])
        assert signing_keys().current_kid == new_kid
        db.session.rollback()
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()
            store = key_store()
            assert isinstance(store, PostgresKeyStore)
            store.dispose()


def test_a_host_without_the_master_key_refuses_to_start(
    master: str, isolated_app: Flask, tmp_path: Path
) -> None:
    url = isolated_app.config["SQLALCHEMY_DATABASE_URI"]
    _host(url, tmp_path / "a", master)
    other = base64.b64encode(secrets.token_bytes(32)).decode()
    with pytest.raises(ConfigError, match="REGISTRY_KEYSTORE_URL") as refused:
        _host(url, tmp_path / "b", other)  # its key does not unwrap the shared signing keys
    assert "is not in REGISTRY_MASTER_KEY" in str(refused.value)


def test_a_busy_postgresql_store_erases_and_asks_for_a_rerun(
    isolated_app: Flask, keystore_url: str
) -> None:
    with isolated_app.app_context():
        store = key_store()
        key_id = store.create_key()
        plain = keystore_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(plain) as reader:  # a reader holding the table
            reader.execute("SELECT count(*) FROM data_keys").fetchone()
            with pytest.raises(KeyStoreBusy):
                store.destroy(key_id, wait=0.2)
        assert not store.exists(key_id)
        assert store.destroy(key_id, wait=5) is False  # the rerun rewrites the table
        assert os.environ["REGISTRY_KEYSTORE_URL"] == keystore_url
