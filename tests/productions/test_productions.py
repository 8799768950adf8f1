"""Productions and memberships: admin only to change; members scope what vfx_leads see."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from registry.extensions import db
from tests.factories import bearer, login, make_user, post_form


def test_admin_creates_a_production_and_adds_a_member(ctx: Flask, client: FlaskClient) -> None:
    _, admin = make_user("admin")
    lead, lead_token = make_user("vfx_lead")
    created = client.post(
        "/api/v1/productions",
        headers=bearer(admin),
        json={
            "title": "Night Harbour",
            "code": "NH-01",
            "kind": "production",
            "phase": "production",
        },
    )
    assert created.status_code == 201
    assert created.json is not None
    pid = created.json["id"]
    assert client.get(f"/api/v1/productions/{pid}", headers=bearer(lead_token)).status_code == 404
    added = client.post(
        f"/api/v1/productions/{pid}/members", headers=bearer(admin), json={"user_id": lead.id}
    )
    assert added.status_code == 201
    assert client.get(f"/api/v1/productions/{pid}", headers=bearer(lead_token)).status_code == 200
    listing = client.get("/api/v1/productions", headers=bearer(lead_token)).json
    assert listing is not None and [p["code"] for p in listing["items"]] == ["NH-01"]
    again = client.post(
        f"/api/v1/productions/{pid}/members", headers=bearer(admin), json={"user_id": lead.id}
    )
    assert again.status_code == 409


def test_only_admins_change_productions(ctx: Flask, client: FlaskClient) -> None:
    for role in ("talent_rep", "vfx_lead", "legal", "auditor"):
        _, token = make_user(role)
        response = client.post(
            "/api/v1/productions", headers=bearer(token), json={"title": "X", "code": f"X-{role}"}
        )
        assert response.status_code == 403, role
    assert db.session.execute(text("SELECT count(*) FROM productions")).scalar_one() == 0


def test_duplicate_code_is_a_conflict_and_unknown_member_is_invalid(
    ctx: Flask, client: FlaskClient
) -> None:
    _, admin = make_user("admin")
    body = {"title": "A", "code": "DUP"}
    first = client.post("/api/v1/productions", headers=bearer(admin), json=body)
    assert first.status_code == 201
    assert client.post("/api/v1/productions", headers=bearer(admin), json=body).status_code == 409
    assert first.json is not None
    bad = client.post(
        f"/api/v1/productions/{first.json['id']}/members",
        headers=bearer(admin),
        json={"user_id": "usr_missing"},
    )
    assert bad.status_code == 422 and bad.json is not None and "user_id" in bad.json["errors"]


def test_admin_pages_create_and_add_members(ctx: Flask, client: FlaskClient) -> None:
    admin, _ = make_user("admin")
    lead, _ = make_user("vfx_lead", "lead@example.test")
    login(client, admin)
    response = post_form(
        client,
        "/productions/",
        {"title": "Glass Orchard", "code": "GO-02", "kind": "production", "phase": "post"},
    )
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    assert "Glass Orchard" in client.get(detail_url).get_data(as_text=True)
    bad = post_form(client, detail_url, {"email": "nobody@example.test"})
    assert "No user with this e-mail." in bad.get_data(as_text=True)
    assert post_form(client, detail_url, {"email": lead.email}).status_code == 302
    assert "lead@example.test" in client.get(detail_url).get_data(as_text=True)
    duplicate = post_form(
        client,
        "/productions/",
        {"title": "Other", "code": "GO-02", "kind": "pitch", "phase": "development"},
    )
    assert "Already taken." in duplicate.get_data(as_text=True)


def test_non_admins_cannot_open_the_productions_page(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    login(client, rep)
    assert client.get("/productions/").status_code == 403
