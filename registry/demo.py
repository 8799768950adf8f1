"""``flask demo seed``: demo users for each role, productions and memberships; prints logins.

Idempotent: the logins are generated once and kept in ``<data dir>/demo_logins.txt`` (0600).
The demo's admin and legal users (the roles that sign in with a second factor) are enrolled
with an authenticator secret, printed next to their logins (add it to an authenticator app, or
compute codes from it with ``pyotp.TOTP(secret).now()``).
Feature modules add their own demo records through ``DEMO_SEEDERS``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.accounts import second_factor
from registry.accounts import services as accounts
from registry.accounts.models import SECOND_FACTOR_ROLES, User
from registry.appctx import setting
from registry.extensions import db
from registry.productions import services as productions
from registry.productions.models import Production
from registry.transactions import unit_of_work

demo = AppGroup("demo", help="Demo data for trying the registry.")

DEMO_USERS = (
    ("admin@demo.test", "admin", "Ada Admin"),
    ("rep@demo.test", "talent_rep", "Rita Rep"),
    ("rep2@demo.test", "talent_rep", "Rafael Rep"),
    ("vfx@demo.test", "vfx_lead", "Victor VFX"),
    ("legal@demo.test", "legal", "Lena Legal"),
    ("auditor@demo.test", "auditor", "Aude Auditor"),
)
DEMO_PRODUCTIONS = (
    {"title": "Night Harbour", "code": "NH-01", "kind": "production", "phase": "production"},
    {"title": "Glass Orchard", "code": "GO-02", "kind": "production", "phase": "post"},
    {"title": "Harbour sequel pitch", "code": "NH-PITCH", "kind": "pitch", "phase": "development"},
)

# Each seeder gets the demo users by role and productions by code, and adds its records.
Seeder = Callable[[dict[str, User], dict[str, Production]], None]
DEMO_SEEDERS: list[Seeder] = []


def _logins_file() -> Path:
    return Path(setting("DATA_DIR")) / "demo_logins.txt"


def seed() -> list[tuple[str, str, str, str | None]]:
    """Create whatever demo records are missing (one unit of work), then remember the new
    logins in the data folder; returns (email, role, password, TOTP secret or None) rows."""
    with unit_of_work():
        known = _seed_records()
        secrets_by_email = _second_factors()
    file = _logins_file()
    file.write_text(json.dumps(known, indent=1))
    file.chmod(0o600)
    return [
        (e, r, known.get(e, "(set before; see demo_logins.txt)"), secrets_by_email.get(e))
        for e, r, _ in DEMO_USERS
    ]


def _second_factors() -> dict[str, str]:
    """Enrol the demo users whose role needs a second factor (once); their secrets by e-mail."""
    found: dict[str, str] = {}
    for email, role, _ in DEMO_USERS:
        if role not in SECOND_FACTOR_ROLES:
            continue
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        found[email] = second_factor.secret_of(user) or second_factor.enrol_now(user, actor_id=None)
    return found


def _seed_records() -> dict[str, str]:
    file = _logins_file()
    known: dict[str, str] = json.loads(file.read_text()) if file.exists() else {}
    users: dict[str, User] = {}
    for email, role, name in DEMO_USERS:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = accounts.create_user(email, role, name, password, actor_id=None)
            known[email] = password
        users.setdefault(role, user)
        users[email] = user
    prods: dict[str, Production] = {}
    for data in DEMO_PRODUCTIONS:
        prod = db.session.execute(
            select(Production).where(Production.code == data["code"])
        ).scalar_one_or_none()
        if prod is None:
            prod = productions.create_production(dict(data), actor_id=None)
            productions.add_member(prod, users["vfx_lead"].id, actor_id=None)
        prods[str(data["code"])] = prod
    created_now = not file.exists()
    for seeder in DEMO_SEEDERS:
        if created_now:
            seeder(users, prods)
    return known


@demo.command("seed")
def seed_command() -> None:
    """Create demo users, productions and records, and print the demo logins."""
    rows = seed()
    base: Any = setting("BASE_URL")
    click.echo(f"\nDemo logins for {base}/login :")
    for email, role, password, totp in rows:
        extra = f"  TOTP secret: {totp}" if totp else ""
        click.echo(f"  {role:<11} {email:<20} password: {password}{extra}")
    click.echo("")


def _gate_seeder(users: dict[str, User], prods: dict[str, Production]) -> None:
    """The gate's models and requests (after the consent registry's performers exist)."""
    from registry.gate.use_requests.demo import seed_gate

    seed_gate(users, prods)


DEMO_SEEDERS.append(_gate_seeder)


def _consents_seeder(users: dict[str, User], prods: dict[str, Production]) -> None:
    """The consent registry's performers and consents (before the gate's records use them)."""
    from registry.consents.demo import seed_consents

    seed_consents(users, prods)


DEMO_SEEDERS.insert(0, _consents_seeder)


def _triage_seeder(users: dict[str, User], prods: dict[str, Production]) -> None:
    """Triage's tools, pipeline and declarations."""
    from registry.triage.demo import seed_triage

    seed_triage(users, prods)


DEMO_SEEDERS.append(_triage_seeder)
