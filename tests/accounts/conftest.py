"""Fixtures of the accounts tests: client addresses of their own, the shared app's throttles
forgotten after each test, and apps with settings of their own (Redis, proxies)."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from registry.accounts.security import defences
from registry.extensions import db
from tests.conftest import build_app
from tests.databases import temporary_database

_ADDRESSES = itertools.count(1)


def an_address() -> str:
    """A client address no other test uses (TEST-NET-2, so never a real client)."""
    n = next(_ADDRESSES)
    return f"198.51.{100 + n // 250 % 100}.{n % 250 + 1}"


@pytest.fixture(autouse=True)
def _forget_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    """These tests fail sign-ins on purpose: the shared app forgets its counts afterwards, so
    the rest of the suite (all of it from 127.0.0.1) starts from none. The defences stay on."""
    yield
    if "app" in request.fixturenames:
        defences(request.getfixturevalue("app")).reset()


@pytest.fixture
def app_with(db_kind: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``app_with(**settings)``: an app on a database of its own with those settings (and
    another app on the same database and data folder, as a second process would be, when
    ``app_with(..., database=first)`` names the first)."""
    stack = ExitStack()
    made: list[Flask] = []

    def make(database: Flask | None = None, **settings: Any) -> Flask:
        if database is None:
            url = stack.enter_context(temporary_database(db_kind, tmp_path))
            application = build_app(url, tmp_path, **settings)
        else:
            from registry.app import create_app

            application = create_app(
                {
                    "TESTING": True,
                    "DATABASE_URL": database.config["DATABASE_URL"],
                    "DATA_DIR": database.config["DATA_DIR"],
                    "SMTP_URL": None,
                    **settings,
                }
            )
        made.append(application)
        return application

    with stack:
        yield make
        for application in made:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the Redis on 127.0.0.1:6379; its keys are deleted
    afterwards."""
    import redis

    prefix = f"registry-test-{secrets.token_hex(6)}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


REDIS_URL = "redis://127.0.0.1:6379/0"
