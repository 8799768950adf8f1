"""Users, made through the accounts service: with a password and a token, a token only, or
neither (the last two skip Argon2 hashing, so they are fast in bulk)."""

from __future__ import annotations

import secrets

from registry.accounts import services as accounts
from registry.accounts.models import User
from registry.extensions import db

PASSWORD = "correct horse battery staple"


def make_user(role: str, email: str | None = None, *, password: str = PASSWORD) -> tuple[User, str]:
    """A committed user who can sign in with ``password``, and a fresh API token."""
    email = email or f"{role}-{secrets.token_hex(4)}@example.test"
    user = accounts.create_user(email, role, role.title(), password, actor_id=None)
    token = accounts.issue_token(user, actor_id=None)
    db.session.commit()
    return user, token


def api_user(role: str) -> tuple[User, str]:
    """A committed user with an API token and no password (fast: no password hashing)."""
    user = accounts.create_user(
        f"{role}-{secrets.token_hex(4)}@example.test", role, role.title(), None, actor_id=None
    )
    token = accounts.issue_token(user, actor_id=None)
    db.session.commit()
    return user, token


def quick_user(role: str, email: str | None = None) -> User:
    """A committed user without password or token (no Argon2 hashing: fast in bulk)."""
    user = accounts.create_user(
        email or f"{role}-{secrets.token_hex(5)}@example.test", role, role.title(), actor_id=None
    )
    db.session.commit()
    return user
