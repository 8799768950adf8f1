"""Productions and their members, made through the productions service."""

from __future__ import annotations

import secrets

from registry.accounts.models import User
from registry.extensions import db
from registry.productions import services as productions
from registry.productions.models import Production


def make_production(
    code: str | None = None, *, kind: str = "production", members: tuple[User, ...] = ()
) -> Production:
    """A committed production (``kind`` production or pitch) with ``members``."""
    code = code or f"P-{secrets.token_hex(3)}"
    production = productions.create_production(
        {
            "title": f"Production {code}",
            "code": code,
            "kind": kind,
            "phase": "production",
        },
        actor_id=None,
    )
    for user in members:
        productions.add_member(production, user.id, actor_id=None)
    db.session.commit()
    return production
