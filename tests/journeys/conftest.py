"""A demo registry for the journeys: a real gunicorn (``tests.gunicorn``) on a database of its
own (SQLite or PostgreSQL, by ``--db``), filled by ``flask demo seed`` as ``make run`` fills
it, with the demo logins (passwords and authenticator secrets) read from what the seed prints.
Each journey gets a site of its own, so that what one person changes no other journey sees."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser import WIDE, Journey
from tests.databases import temporary_database
from tests.gunicorn import ROOT, served

_LOGIN = re.compile(
    r"^\s+(?P<role>\w+)\s+(?P<email>\S+@\S+)\s+password: (?P<password>\S+)"
    r"(?:\s+TOTP secret: (?P<secret>[A-Z2-7]+))?\s*$"
)


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    password: str
    secret: str | None


@dataclass
class DemoSite:
    url: str
    logins: dict[str, Login]  # by role (the first demo user of each role)


def seed_demo(data_dir: Path, database_url: str) -> dict[str, Login]:
    """Run ``flask demo seed`` on the site's database; the demo logins it prints, by role."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update({"REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_DATABASE_URL": database_url})
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "seed"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    logins: dict[str, Login] = {}
    for line in out.splitlines():
        match = _LOGIN.match(line)
        if match:
            login = Login(match["email"], match["role"], match["password"], match["secret"])
            logins.setdefault(login.role, login)
    assert set(logins) >= {"admin", "talent_rep", "vfx_lead", "legal", "auditor"}, out
    return logins


@pytest.fixture
def demo_site(db_kind: str, tmp_path: Path) -> Iterator[DemoSite]:
    data = tmp_path / "site"
    data.mkdir()
    errors = tmp_path / "gunicorn-errors.log"  # the server's tracebacks, kept with the test
    with (
        temporary_database(db_kind, data) as url,
        served(data, url, workers=2, args=("--error-logfile", str(errors))) as base,
    ):
        yield DemoSite(base, seed_demo(data, url))


BROWSER_ZONE = "Europe/Paris"
"""The time zone of the journeys' browser (the account page offers it as the default)."""


@pytest.fixture
def journey(_browser: Any, tmp_path: Path) -> Iterator[Journey]:
    """A person's journey in a fresh browser context (in ``BROWSER_ZONE``); its screenshots go
    to the test's own folder."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    context = _browser.new_context(viewport=WIDE, timezone_id=BROWSER_ZONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield Journey(page, folder)
    finally:
        context.close()
