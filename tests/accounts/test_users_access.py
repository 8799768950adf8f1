"""Access to the user management pages, as a table: role x route -> answer. Only admins manage
users; everyone else gets 403, and a signed-out visitor is sent to sign in. The links of
invitations and resets are public (their token is the key)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import csrf_token, fresh_client, login, make_user

A, R, V, L, AU = "admin", "talent_rep", "vfx_lead", "legal", "auditor"
ROLES = (A, R, V, L, AU)
ADMIN_ONLY = {A: "ok", R: "403", V: "403", L: "403", AU: "403", None: "login"}

# (method, route): ``{target}`` is another user's id. POST bodies are empty: an admin's answer
# is then a redirect back (nothing changed) or the form again; what matters is who gets in.
ROUTES = [
    ("GET", "/users"),
    ("GET", "/users/invite"),
    ("POST", "/users/invite"),
    ("GET", "/users/{target}"),
    ("POST", "/users/{target}/role"),
    ("POST", "/users/{target}/password-link"),
    ("GET", "/users/{target}/revoke"),
    ("POST", "/users/{target}/revoke"),
]


@pytest.mark.parametrize(("method", "route"), ROUTES)
@pytest.mark.parametrize("role", [*ROLES, None])
def test_only_admins_manage_users(ctx: Flask, role: str | None, method: str, route: str) -> None:
    target, _ = make_user("vfx_lead")
    client = fresh_client(ctx)
    if role is not None:
        user, _ = make_user(role)
        login(client, user)
    path = route.format(target=target.id)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    expected = ADMIN_ONLY[role]
    if expected == "ok":
        assert response.status_code in (200, 302, 422), (path, response.status_code)
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/login")
    elif expected == "login":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == int(expected), (path, response.status_code)


@pytest.mark.parametrize("path", ["/welcome/nothing-here", "/reset-password/nothing-here"])
def test_link_pages_are_public_and_refuse_unknown_tokens(ctx: Flask, path: str) -> None:
    assert fresh_client(ctx).get(path).status_code == 410


def test_an_admin_cannot_revoke_or_demote_themselves(ctx: Flask) -> None:
    admin, _ = make_user(A)
    client = fresh_client(ctx)
    login(client, admin)
    token = csrf_token(client)
    response = client.post(f"/users/{admin.id}/revoke", data={"csrf_token": token})
    assert "You cannot revoke yourself" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    client.post(f"/users/{admin.id}/role", data={"csrf_token": token, "role": "auditor"})
    assert admin.active and admin.role == "admin"
    assert client.get("/users").status_code == 200
