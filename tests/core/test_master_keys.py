"""Master key providers: the keys folder (default) and the environment (``REGISTRY_MASTER_KEY``);
rotating an environment key by hand (new key, old one kept as previous, ``keys rotate``), on
the SQLite key store and, with ``--db postgresql``, on the PostgreSQL one."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask

from registry.app import create_app
from registry.appctx import master_keys
from registry.config import ConfigError
from registry.core.crypto import DecryptionError
from registry.core.master_keys import EnvMasterKeyProvider, FileMasterKeyProvider, env_kid
from registry.extensions import db
from registry.performers.keystore import key_store
from registry.performers.models import Performer
from registry.performers.personal import reveal
from tests.conftest import build_app
from tests.databases import temporary_database
from tests.factories import make_user
from tests.factories.performers import performer_with_personal_data


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_the_environment_key_has_the_same_id_on_every_host_and_names_what_it_lacks() -> None:
    value = new_key()
    first, second = EnvMasterKeyProvider.from_values(value), EnvMasterKeyProvider.from_values(value)
    assert first.current() == second.current()
    assert first.current_kid == env_kid(base64.b64decode(value)).lower()
    assert value not in first.current_kid and first.describe().endswith("(REGISTRY_MASTER_KEY)")
    with pytest.raises(DecryptionError, match="mk_other is not in REGISTRY_MASTER_KEY"):
        first.get("mk_other")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!", "REGISTRY_MASTER_KEY must be base64"),
        (base64.b64encode(b"short").decode(), "must be base64 of 32 bytes, not 5"),
    ],
)
def test_a_bad_environment_key_is_refused_with_its_name(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app({"MASTER_KEY": value, "DATA_DIR": str(tmp_path)})


def test_the_file_provider_is_the_default_and_keeps_its_folder(isolated_app: Flask) -> None:
    with isolated_app.app_context():
        provider = master_keys()
        assert isinstance(provider, FileMasterKeyProvider)
        assert provider.directory == Path(isolated_app.config["KEYS_DIR"]) / "master"
        assert (provider.directory / f"{provider.current_kid}.key").exists()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, db_kind: str, tmp_path: Path) -> Iterator[str]:
    """No key store URL (the SQLite file), or a PostgreSQL key store database of its own."""
    if request.param == "sqlite":
        yield ""
        return
    if db_kind != "postgresql":
        pytest.skip("the PostgreSQL key store runs with --db postgresql")
    with temporary_database("postgresql", tmp_path) as url:
        yield url


def test_an_environment_key_is_rotated_by_hand_and_keys_rotate_rewraps_under_it(
    db_kind: str, tmp_path: Path, store_url: str
) -> None:
    old, new = new_key(), new_key()
    with ExitStack() as stack:
        url = stack.enter_context(temporary_database(db_kind, tmp_path))

        def host(**settings: str) -> Flask:
            app = create_app(
                {
                    "TESTING": True,
                    "DATABASE_URL": url,
                    "DATA_DIR": str(tmp_path / "host"),
                    "KEYSTORE_URL": store_url,
                    **settings,
                }
            )
            stack.callback(_close, app)
            return app

        first = build_app(url, tmp_path / "host", KEYSTORE_URL=store_url, MASTER_KEY=old)
        stack.callback(_close, first)
        assert not (tmp_path / "host" / "keys" / "master").exists()
        with first.app_context():
            rep, _ = make_user("talent_rep")
            ids = [performer_with_personal_data(rep, legal_name=f"Env {i}").id for i in range(4)]
            db.session.rollback()

        refused = first.test_cli_runner().invoke(args=["keys", "rotate"])
        assert refused.exit_code == 1 and "set a new one there" in refused.output

        rotating = host(MASTER_KEY=new, MASTER_KEYS_PREVIOUS=old)
        done = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert done.exit_code == 0, done.output
        assert "Resumed the interrupted rotation to mk_env_" in done.output
        assert "4 data key(s) re-wrapped" in done.output

        after = host(MASTER_KEY=new)  # the old key is gone from the environment
        with after.app_context():
            assert set(key_store().count_by_master()) == {master_keys().current_kid}
            names = {reveal(db.session.get(Performer, i))["legal_name"] for i in ids}  # type: ignore[arg-type,index]
            assert names == {f"Env {i}" for i in range(4)}
            db.session.rollback()


def _close(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        store = app.extensions.get("registry.datakeys")
        if store is not None and hasattr(store, "dispose"):
            store.dispose()
