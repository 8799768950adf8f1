"""Factories that build records through the real services, the way the app does."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask.testing import FlaskClient

from registry.accounts import services as accounts
from registry.accounts.models import User
from registry.extensions import db
from registry.productions import services as productions
from registry.productions.models import Production

PASSWORD = "correct horse battery staple"


def make_user(role: str, email: str | None = None, *, password: str = PASSWORD) -> tuple[User, str]:
    """A committed user and a fresh API token."""
    email = email or f"{role}-{secrets.token_hex(4)}@example.test"
    user = accounts.create_user(email, role, role.title(), password, actor_id=None)
    token = accounts.issue_token(user, actor_id=None)
    db.session.commit()
    return user, token


def make_production(
    code: str | None = None, *, kind: str = "production", members: tuple[User, ...] = ()
) -> Production:
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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a rendered form."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def post_form(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a page form with the session's CSRF token added."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client)}, **kwargs)
