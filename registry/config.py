"""Configuration: defaults, then ``REGISTRY_*`` environment variables, then explicit overrides.

Development (the default) generates missing secrets and keys once into the data folder.
Production (``REGISTRY_ENV=production``) refuses to start and names whatever is missing.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any

from flask import Config
from sqlalchemy.exc import SQLAlchemyError

from registry.core.keys import KeyMissing, SigningKeys, create_once
from registry.core.master_keys import MasterKeyProvider, provider_from_config
from registry.core.pg_keystore import open_store, same_database


class ConfigError(RuntimeError):
    """The configuration cannot run: the message names every missing or invalid setting."""


def shipped(name: str) -> Path:
    """A file or folder the registry runs with (``templates``, ``static``, ``migrations``,
    ``wsgi.py``, ``gunicorn.conf.py``): inside the package when installed from a wheel (``setup.py``
    maps them in at build time), else at the root of the checkout."""
    package = Path(__file__).resolve().parent
    inside = package / name
    return inside if inside.exists() else package.parent / name


DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "DATA_DIR": "instance",
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "KEYS_DIR": None,
    # -- key store and master key (registry.core.pg_keystore, registry.core.master_keys) --
    "KEYSTORE_URL": None,  # postgresql://... of a database of its own; else SQLite in KEYS_DIR
    "MASTER_KEY_PROVIDER": None,  # file or env; default: env when MASTER_KEY is set, else file
    "MASTER_KEY": None,  # base64 of 32 random bytes (env provider)
    "MASTER_KEYS_PREVIOUS": None,  # comma-separated base64 keys being rotated out (env)
    # -- end of key store and master key --
    "SMTP_URL": None,
    "MAIL_FROM": "registry@localhost",
    "REMINDER_DAYS": "30,7,1",
    "REMINDER_MAX_ATTEMPTS": 5,
    "REMINDER_RETRY_BASE_SECONDS": 60,
    "REMINDER_INTERVAL_SECONDS": 60,
    "REMINDER_DELIVERY_INTERVAL_SECONDS": 15,
    "AUDIT_CHECKPOINT_EVERY": 1000,
    "MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    "BASE_URL": "http://127.0.0.1:5000",
    "HSTS_SECONDS": 2 * 365 * 24 * 3600,  # Strict-Transport-Security, in production only
    # -- sign-in and sessions (registry.accounts.security) --
    "REDIS_URL": None,  # the rate limiter's store (redis://...); else each process's memory
    "PROXY_FIX_HOPS": 0,  # proxies in front that set X-Forwarded-For/-Proto (ProxyFix)
    # failed sign-ins (password or second factor) per account, then per client address: past
    # the first limit sign-in is slowed, once the second is reached it is locked for a while
    "SIGN_IN_ACCOUNT_LIMIT": "5 per minute",
    "SIGN_IN_ACCOUNT_LOCK_AFTER": "10 per 15 minutes",
    "SIGN_IN_ADDRESS_LIMIT": "20 per minute",
    "SIGN_IN_ADDRESS_LOCK_AFTER": "100 per hour",
    # failed API token checks per client address, the same way
    "TOKEN_FAILURE_LIMIT": "20 per minute",
    "TOKEN_FAILURE_LOCK_AFTER": "100 per hour",
    "LOCKOUT_SECONDS": 15 * 60,  # how long a lock lasts (an account, an address, token checks)
    "SESSION_IDLE_SECONDS": 30 * 60,  # a page session ends after this long without a request
    "SESSION_ABSOLUTE_SECONDS": 12 * 3600,  # and this long after it was opened, whatever
    "PASSWORD_MIN_LENGTH": 12,
    "PASSWORD_MIN_SCORE": 3,  # zxcvbn's 0-4 estimate; 3: "safely unguessable" online
    "SECOND_FACTOR_ISSUER": "Talent consent registry",  # the name authenticator apps show
    # -- end of sign-in and sessions --
    # -- audit records and witness (registry.audit) --
    # where signed checkpoints are witnessed: an append-only file outside the data folder
    # (production refuses one inside it) and a webhook (one JSON POST per checkpoint)
    "AUDIT_WITNESS_FILE": None,
    "AUDIT_WITNESS_URL": None,
    "AUDIT_WITNESS_INTERVAL_SECONDS": 60,  # the scheduler signs moved heads and sends them
    "AUDIT_WITNESS_TIMEOUT_SECONDS": 10,  # per webhook call
    "IDEMPOTENCY_FORGET_INTERVAL_SECONDS": 3600,  # how often stored answers past 24 h go
    "AUDIT_CHECK_POLL_SECONDS": 10,  # how often the scheduler looks for a records check asked for
    # -- end of audit records and witness --
    # -- logs and metrics (registry.web.logs, registry.web.metrics) --
    "METRICS_TOKEN": None,  # bearer token of /metrics (Prometheus); unset: no /metrics at all
    "LOG_FORMAT": None,  # "json": JSON log lines on stderr outside gunicorn (gunicorn: always)
    # -- end of logs and metrics --
    # Flask / extensions
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # flask-smorest / OpenAPI
    "API_TITLE": "Talent consent and digital-replica registry",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def _database_uri(config: Config, data_dir: Path) -> str:
    url = config.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{(data_dir / 'registry.db').resolve()}"
    url = str(url)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def reminder_days(config: Config | dict[str, Any]) -> tuple[int, ...]:
    raw = config.get("REMINDER_DAYS", "30,7,1")
    parts = [raw] if isinstance(raw, int) else str(raw).split(",")
    try:
        days = sorted({int(str(p).strip()) for p in parts if str(p).strip()}, reverse=True)
    except ValueError as exc:
        raise ConfigError(f"REGISTRY_REMINDER_DAYS must be whole days, got {raw!r}") from exc
    if not days or min(days) < 0:
        raise ConfigError(f"REGISTRY_REMINDER_DAYS must list whole days >= 0, got {raw!r}")
    return tuple(days)


ENVIRONMENTS = ("development", "production", "test")
MIN_SECRET_BYTES = 32


def _private_folder(folder: Path) -> None:
    """The data folder made the registry's alone (0700), when it is ours and not a shared
    folder (one with the sticky bit, such as /tmp, is left as it is)."""
    if not folder.exists():
        return
    mode = folder.stat()
    if mode.st_uid == os.getuid() and not mode.st_mode & stat.S_ISVTX and mode.st_mode & 0o077:
        folder.chmod(0o700)


def _private_sqlite(uri: str) -> None:
    """The SQLite database file created private (0600) before SQLite first opens it, and made
    private if it exists: it holds webhook endpoints, hashes and ciphertexts, and SQLite gives
    its ``-wal`` and ``-shm`` files the database file's permissions."""
    if not uri.startswith("sqlite:///") or uri.endswith(":memory:"):
        return
    path = Path(uri[len("sqlite:///") :])
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def finalize(config: Config) -> tuple[SigningKeys, MasterKeyProvider]:
    """Fill in derived settings and load keys; raises ConfigError naming what is missing."""
    env = str(config["ENV"]).lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"REGISTRY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {config['ENV']!r}"
        )
    production = env == "production"
    data_dir = Path(str(config["DATA_DIR"])).resolve()
    keys_dir = Path(str(config["KEYS_DIR"] or data_dir / "keys")).resolve()
    config["DATA_DIR"] = str(data_dir)
    config["KEYS_DIR"] = str(keys_dir)
    missing: list[str] = []
    if not production:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _private_folder(data_dir)
    if not production:
        secret_file = data_dir / "secret_key"
        if not config.get("SECRET_KEY"):
            made = create_once(secret_file, lambda: secrets.token_urlsafe(48).encode())
            config["SECRET_KEY"] = made.decode().strip()
    elif not config.get("SECRET_KEY"):
        missing.append("REGISTRY_SECRET_KEY")
    elif len(str(config["SECRET_KEY"]).encode()) < MIN_SECRET_BYTES:
        missing.append(f"REGISTRY_SECRET_KEY of at least {MIN_SECRET_BYTES} bytes")
    if production and not config.get("DATABASE_URL"):
        missing.append("REGISTRY_DATABASE_URL")
    keystore_url = str(config.get("KEYSTORE_URL") or "")
    if keystore_url and same_database(keystore_url, _database_uri(config, data_dir)):
        missing.append(
            "REGISTRY_KEYSTORE_URL naming a database of its own (it names the main database, "
            "whose dumps would then carry the data keys)"
        )
    keys_in_folder = not (keystore_url and config.get("MASTER_KEY"))
    if production and keys_in_folder and keys_dir.is_relative_to(data_dir):
        # A backup of the data folder (a SQLite database, say) would hold the data keys too,
        # and with them undo every later erasure in that backup.
        missing.append(
            f"REGISTRY_KEYS_DIR outside the data folder (it is {keys_dir}, inside {data_dir})"
        )
    signing: SigningKeys | None = None
    master: MasterKeyProvider | None = None
    try:
        master = provider_from_config(config, keys_dir / "master", create=not production)
    except KeyMissing as exc:
        missing.append(f"{exc} (REGISTRY_KEYS_DIR or REGISTRY_MASTER_KEY)")
    except ValueError as exc:
        missing.append(str(exc))
    try:
        if keystore_url and master is not None and not missing:
            shared = open_store(keystore_url, master)  # signing keys shared by every host
            # one first key for every host (made under a lock in the shared store)
            signing = SigningKeys.from_source(shared, create=True, seed=keys_dir / "signing")
        elif not keystore_url:
            signing = SigningKeys.load(keys_dir / "signing", create=not production)
    except KeyMissing as exc:
        missing.append(f"{exc} (REGISTRY_KEYS_DIR or REGISTRY_KEYSTORE_URL)")
    except (ValueError, SQLAlchemyError) as exc:
        missing.append(f"a key store that opens at REGISTRY_KEYSTORE_URL ({exc})")
    metrics_token = config.get("METRICS_TOKEN")
    if metrics_token and len(str(metrics_token)) < MIN_SECRET_BYTES:
        raise ConfigError(f"REGISTRY_METRICS_TOKEN must be at least {MIN_SECRET_BYTES} characters")
    if missing:
        raise ConfigError("production mode refuses to start; missing: " + "; ".join(missing))
    assert signing is not None and master is not None
    config["SQLALCHEMY_DATABASE_URI"] = _database_uri(config, data_dir)
    _private_sqlite(config["SQLALCHEMY_DATABASE_URI"])
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_BYTES"]) + 1024 * 1024
    config["REMINDER_DAYS_PARSED"] = reminder_days(config)
    if not production and str(config["BASE_URL"]).startswith("http://"):
        # Browsers accept Secure cookies on http://localhost; other plain-HTTP dev hosts don't.
        host = str(config["BASE_URL"]).split("//", 1)[1].split(":", 1)[0]
        if host not in {"localhost", "127.0.0.1"}:
            config["SESSION_COOKIE_SECURE"] = False
    return signing, master
