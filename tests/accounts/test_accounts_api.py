"""Accounts through the API: tokens are checked on every request and can be revoked."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from registry.accounts import services
from registry.accounts.models import ApiToken, User
from registry.extensions import db
from tests.factories import bearer, make_user


def test_me_answers_the_token_owner(ctx: Flask, client: FlaskClient) -> None:
    user, token = make_user("talent_rep")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {
        "id": user.id,
        "email": user.email,
        "role": "talent_rep",
        "name": "Talent_Rep",
        "token_expires_at": None,
    }


def test_missing_or_bad_token_is_401_with_the_error_body(ctx: Flask, client: FlaskClient) -> None:
    for headers in ({}, bearer("reg_not-a-token"), {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json is not None
        assert response.json["code"] == 401
        assert response.json["status"] == "Unauthorized"
        assert "token" in response.json["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(ctx: Flask, client: FlaskClient) -> None:
    user, token = make_user("vfx_lead")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    services.revoke_tokens(user, actor_id=None)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_tokens_are_stored_only_as_hashes(ctx: Flask) -> None:
    user, token = make_user("legal")
    stored = db.session.query(ApiToken).filter_by(user_id=user.id).one()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_admin_creates_user_and_others_may_not(ctx: Flask, client: FlaskClient) -> None:
    _, admin = make_user("admin")
    _, rep = make_user("talent_rep")
    body = {"email": "New.Person@Example.test", "role": "legal"}
    refused = client.post("/api/v1/users", json=body, headers=bearer(rep))
    assert refused.status_code == 403
    created = client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert created.status_code == 201
    assert created.json is not None
    assert created.json["email"] == "new.person@example.test"
    me = client.get("/api/v1/me", headers=bearer(created.json["token"]))
    assert me.json is not None and me.json["role"] == "legal"
    again = client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert again.status_code == 409


def test_invalid_user_names_every_bad_field(ctx: Flask, client: FlaskClient) -> None:
    _, admin = make_user("admin")
    response = client.post(
        "/api/v1/users", json={"email": "nope", "role": "king", "x": 1}, headers=bearer(admin)
    )
    assert response.status_code == 422
    assert response.json is not None
    assert set(response.json["errors"]) == {"email", "role", "x"}


def test_a_deactivated_users_token_is_refused(ctx: Flask, client: FlaskClient) -> None:
    user, token = make_user("vfx_lead")
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_the_token_look_up_gives_the_sessions_own_user(ctx: Flask) -> None:
    user, token = make_user("legal")
    assert services.user_for_token(token) is user  # already in the session: that very object
    user_id = user.id
    db.session.expunge_all()
    found = services.user_for_token(token)
    assert found is not None and found is not user
    assert inspect(found).persistent and not inspect(found).expired_attributes
    assert (found.id, found.email, found.role, found.active) == (
        user_id,
        user.email,
        "legal",
        True,
    )
    assert found.created_at.tzinfo is not None
    assert db.session.get(User, user_id) is found
    assert services.user_for_token(token.upper()) is None
    assert services.user_for_token("not-a-registry-token") is None


def test_the_api_takes_a_bearer_token_never_a_page_session(ctx: Flask, client: FlaskClient) -> None:
    """Flask-Login loads API callers from their token only: the API is exempt from CSRF
    checks, so a signed-in browser's cookie must not authenticate it."""
    from tests.factories import login

    user, token = make_user("admin")
    login(client, user)
    assert client.get("/").status_code == 200  # the page session works
    assert client.get("/api/v1/me").status_code == 401  # the API does not take it
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json is not None and me.json["email"] == user.email
