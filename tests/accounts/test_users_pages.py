"""An admin manages users in the pages: the list, a role change and a revocation (after a
confirmation page), each ending that user's sessions and audited."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.accounts.models import User
from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.factories import PASSWORD, bearer, csrf_token, fresh_client, login, make_user


def _signed_in(app: Flask, role: str) -> tuple[User, FlaskClient]:
    user, _token = make_user(role)
    client = fresh_client(app)
    login(client, user)
    return user, client


def test_the_list_links_every_user_with_role_and_status(ctx: Flask) -> None:
    _admin, client = _signed_in(ctx, "admin")
    rep, _ = make_user("talent_rep")
    page = client.get("/users").get_data(as_text=True)
    assert "<h1>Users</h1>" in page and "Invite a user" in page
    assert f'href="/users/{rep.id}"' in page and rep.email in page and "Talent rep" in page
    detail = client.get(f"/users/{rep.id}").get_data(as_text=True)
    assert rep.email in detail and "Active" in detail
    assert 'class="button danger"' in detail and f"/users/{rep.id}/revoke" in detail
    assert client.get("/users/usr_missing").status_code == 404


def test_a_role_change_ends_that_users_sessions(ctx: Flask) -> None:
    _admin, client = _signed_in(ctx, "admin")
    lead, lead_client = _signed_in(ctx, "vfx_lead")
    assert lead_client.get("/").status_code == 200
    response = client.post(
        f"/users/{lead.id}/role",
        data={"role": "talent_rep", "csrf_token": csrf_token(client)},
    )
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is now Talent rep" in shown and "sessions have ended" in shown
    assert lead.role == "talent_rep"
    assert lead_client.get("/").status_code == 302
    refused = client.post(
        f"/users/{lead.id}/role",
        data={"role": "overlord", "csrf_token": csrf_token(client)},
    )
    assert "Choose a role" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert lead.role == "talent_rep"


def test_revoking_asks_first_then_ends_sessions_and_tokens(ctx: Flask) -> None:
    admin, client = _signed_in(ctx, "admin")
    rep, rep_token = make_user("talent_rep")
    rep_client = fresh_client(ctx)
    login(rep_client, rep)
    confirm = client.get(f"/users/{rep.id}/revoke")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Revoke Talent_Rep?" in text
    assert rep.email in text and 'class="danger"' in text and "Cancel" in text
    assert rep.active, "the confirmation page changes nothing"
    response = client.post(f"/users/{rep.id}/revoke", data={"csrf_token": csrf_token(client)})
    assert "is revoked" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not rep.active
    assert rep_client.get("/").status_code == 302
    assert rep_client.get("/api/v1/me", headers=bearer(rep_token)).status_code == 401
    login_again = rep_client.post(
        "/login",
        data={"email": rep.email, "password": PASSWORD, "csrf_token": csrf_token(rep_client)},
    )
    assert login_again.status_code == 401
    actions = list(
        db.session.execute(
            select(AuditEvent.action).where(
                AuditEvent.subject_id == rep.id,
                AuditEvent.actor_id == admin.id,
            )
        ).scalars()
    )
    assert "user.revoked" in actions and "user.sessions_ended" in actions
