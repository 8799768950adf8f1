"""Configuration: development generates keys once; production refuses to start without them."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from registry.app import create_app
from registry.config import ConfigError, reminder_days
from registry.extensions import db


def test_production_refuses_to_start_and_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        create_app({"ENV": "production", "DATA_DIR": str(tmp_path)})
    message = str(info.value)
    for name in (
        "REGISTRY_SECRET_KEY",
        "REGISTRY_DATABASE_URL",
        "signing key",
        "master key",
        "REGISTRY_KEYS_DIR outside the data folder",
    ):
        assert name in message
    assert not (tmp_path / "keys").exists()  # nothing generated in production


def test_production_starts_with_everything_given(tmp_path: Path) -> None:
    data, keys = tmp_path / "data", tmp_path / "keys"
    create_app({"DATA_DIR": str(data), "KEYS_DIR": str(keys)})  # development: makes the keys
    given = {
        "ENV": "production",
        "DATA_DIR": str(data),
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
    }
    app = create_app({**given, "KEYS_DIR": str(keys)})
    assert app.config["SECRET_KEY"] == "s" * 40
    # Keys inside the data folder: one backup of it would undo every erasure.
    for inside in (data / "keys", data):
        create_app({"DATA_DIR": str(data), "KEYS_DIR": str(inside)})
        with pytest.raises(ConfigError, match="REGISTRY_KEYS_DIR outside the data folder"):
            create_app({**given, "KEYS_DIR": str(inside)})


def test_development_generates_secrets_and_keys_once(tmp_path: Path) -> None:
    first = create_app({"DATA_DIR": str(tmp_path)})
    second = create_app({"DATA_DIR": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (
        first.extensions["registry"].signing.current_kid
        == second.extensions["registry"].signing.current_kid
    )
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def _start_app(args: tuple[str, Any]) -> tuple[str, str, str]:
    """In a fresh process: wait for the others, then create the app on the shared folder."""
    folder, barrier = args
    barrier.wait(timeout=60)
    app = create_app({"DATA_DIR": folder})
    ring = app.extensions["registry"]
    return app.config["SECRET_KEY"], ring.signing.current_kid, ring.master.current_kid


def test_workers_starting_together_on_an_empty_folder_agree_on_one_set_of_keys(
    tmp_path: Path,
) -> None:
    """gunicorn starts several workers at once; each creates the app on the same new folder."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(6)
        with context.Pool(6) as pool:
            seen = pool.map(_start_app, [(str(tmp_path), barrier)] * 6)
    assert len(set(seen)) == 1, seen
    assert len(list((tmp_path / "keys" / "signing").glob("*.pem"))) == 1
    assert len(list((tmp_path / "keys" / "master").glob("*.key"))) == 1
    assert not list(tmp_path.rglob("*.tmp"))


def test_environment_variables_configure_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTRY_REMINDER_DAYS", "14,3")
    app = create_app()
    assert app.config["DATA_DIR"] == str(tmp_path.resolve())
    assert app.config["REMINDER_DAYS_PARSED"] == (14, 3)
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("registry.db")


def test_reminder_days_must_be_whole_days() -> None:
    assert reminder_days({"REMINDER_DAYS": "1, 30,7"}) == (30, 7, 1)
    with pytest.raises(ConfigError):
        reminder_days({"REMINDER_DAYS": "soon"})


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path)})
    with app.app_context():
        pragmas = {
            name: db.session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("foreign_keys", "journal_mode", "busy_timeout")
        }
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000}


def test_postgres_urls_use_psycopg3(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@127.0.0.1/x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/x"


def test_an_unknown_environment_is_refused(tmp_path: Path) -> None:
    """``prod`` once ran silently as development: now it names the choices."""
    with pytest.raises(ConfigError) as info:
        create_app({"ENV": "prod", "DATA_DIR": str(tmp_path)})
    assert "REGISTRY_ENV must be one of development, production, test, not 'prod'" in str(
        info.value
    )


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        create_app({"ENV": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 31})
    assert "REGISTRY_SECRET_KEY of at least 32 bytes" in str(info.value)


def test_the_data_folder_and_its_database_files_are_private(tmp_path: Path) -> None:
    import flask_migrate

    data = tmp_path / "data"
    app = create_app({"DATA_DIR": str(data), "KEYS_DIR": str(tmp_path / "keys")})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert data.stat().st_mode & 0o777 == 0o700
    files = [data / "registry.db", data / "secret_key"]
    files += [f for f in data.iterdir() if f.name.startswith("registry.db-")]
    assert len(files) >= 2
    for file in files:
        assert file.stat().st_mode & 0o777 == 0o600, file
    wide = tmp_path / "wide"
    wide.mkdir(mode=0o755)
    (wide / "registry.db").touch(mode=0o644)
    create_app({"DATA_DIR": str(wide), "KEYS_DIR": str(tmp_path / "keys2")})
    assert wide.stat().st_mode & 0o777 == 0o700  # made private when it was not
    assert (wide / "registry.db").stat().st_mode & 0o777 == 0o600
