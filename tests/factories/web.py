"""Talking to the app as a client does: bearer headers, CSRF tokens, signing in, page forms."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient

from registry.accounts.models import User
from tests.factories.accounts import PASSWORD, second_factor_code


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
    """Sign in as a person does: e-mail and password, then (admin, legal) a code from their
    authenticator, computed from the secret ``make_user`` enrolled."""
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    if location.startswith("/login/second-factor"):
        response = client.post(
            location,
            data={
                "code": second_factor_code(user.email),
                "csrf_token": csrf_token(client, location),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    assert not response.headers["Location"].startswith("/login"), response.headers["Location"]


def post_form(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a page form with the session's CSRF token added."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def fresh_client(app: Flask) -> FlaskClient:
    """A new test client for another user.

    Under the ``ctx`` fixture every request shares one app context, so ``g`` would carry the
    previous client's logged-in user (Flask-Login) and CSRF token (Flask-WTF) over.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    return app.test_client()
