"""Performers through the API: personal data encrypted at rest and shown only where allowed."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative
from registry.performers.personal import reveal
from tests.factories import api_create_performer, bearer, make_user, performer_body

PERSONAL = ("legal_name", "email", "phone")


def _counts() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count()).select_from(Performer)).scalar_one(),
        db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
    )


def test_a_rep_creates_a_performer_and_represents_them(ctx: Flask, client: FlaskClient) -> None:
    rep, token = make_user("talent_rep")
    created = api_create_performer(
        client, token, legal_name="Maria Ortega Ruiz", email="maria@example.test", guild="SAG-AFTRA"
    )
    assert created["legal_name"] == "Maria Ortega Ruiz"
    assert created["email"] == "maria@example.test"
    assert created["guild"] == "SAG-AFTRA" and created["deceased"] is False
    assert [r["user_id"] for r in created["representatives"]] == [rep.id]
    assert db.session.get(PerformerRepresentative, (created["id"], rep.id)) is not None


def test_personal_fields_are_only_ciphertext_in_the_database(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = make_user("talent_rep")
    created = api_create_performer(
        client, token, legal_name="Quentin Plaintext", email="qp@example.test", phone="+1 555 0100"
    )
    row = (
        db.session.execute(text("SELECT * FROM performers WHERE id = :id"), {"id": created["id"]})
        .mappings()
        .one()
    )
    dumped = b" ".join(
        bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row.values()
    )
    for secret in (b"Quentin", b"qp@example.test", b"555 0100"):
        assert secret not in dumped
    for column in ("legal_name_ct", "email_ct", "phone_ct"):
        assert bytes(row[column])[2:].startswith(row["data_key_id"].encode())


def test_vfx_lead_and_legal_read_public_fields_only(ctx: Flask, client: FlaskClient) -> None:
    _, rep = make_user("talent_rep")
    created = api_create_performer(client, rep, legal_name="Hidden Legal", guild="Equity")
    for role in ("vfx_lead", "legal"):
        _, token = make_user(role)
        got = client.get(f"/api/v1/performers/{created['id']}", headers=bearer(token))
        assert got.status_code == 200
        body = got.json
        assert body is not None
        assert body["professional_name"] == created["professional_name"]
        assert body["guild"] == "Equity" and body["deceased"] is False
        for field in (*PERSONAL, "representatives"):
            assert field not in body
        assert "Hidden Legal" not in got.get_data(as_text=True)
        listed = client.get("/api/v1/performers", headers=bearer(token)).get_data(as_text=True)
        assert created["id"] in listed and "Hidden Legal" not in listed


def test_another_reps_performer_is_indistinguishable_from_a_missing_one(
    ctx: Flask, client: FlaskClient
) -> None:
    _, mine = make_user("talent_rep")
    _, theirs = make_user("talent_rep")
    created = api_create_performer(client, theirs)
    other = client.get(f"/api/v1/performers/{created['id']}", headers=bearer(mine))
    missing = client.get("/api/v1/performers/prf_doesnotexist", headers=bearer(mine))
    assert other.status_code == missing.status_code == 404
    assert other.json == missing.json
    patched = client.patch(
        f"/api/v1/performers/{created['id']}", json={"phone": "+1 555"}, headers=bearer(mine)
    )
    assert patched.status_code == 404


def test_list_shows_a_rep_only_their_performers_and_searches_names(
    ctx: Flask, client: FlaskClient
) -> None:
    _, mine = make_user("talent_rep")
    _, theirs = make_user("talent_rep")
    a = api_create_performer(
        client, mine, professional_name="Ava Moonlight", legal_name="Ava Smith"
    )
    b = api_create_performer(client, mine, professional_name="Bruno Star", legal_name="Bruno Jones")
    c = api_create_performer(client, theirs, professional_name="Ava Elsewhere")
    listed = client.get("/api/v1/performers?per_page=500", headers=bearer(mine)).json
    assert listed is not None
    ids = {p["id"] for p in listed["items"]}
    assert {a["id"], b["id"]} <= ids and c["id"] not in ids
    by_stage = client.get("/api/v1/performers?q=moonl", headers=bearer(mine)).json
    assert by_stage is not None and [p["id"] for p in by_stage["items"]] == [a["id"]]
    by_legal = client.get("/api/v1/performers?q=jones", headers=bearer(mine)).json
    assert by_legal is not None and [p["id"] for p in by_legal["items"]] == [b["id"]]
    _, admin = make_user("admin")
    everyone = client.get("/api/v1/performers?q=Ava", headers=bearer(admin)).json
    assert everyone is not None
    assert {a["id"], c["id"]} <= {p["id"] for p in everyone["items"]}
    wildcard = client.get("/api/v1/performers?q=%25", headers=bearer(mine)).json
    assert wildcard is not None and wildcard["total"] == 0


def test_invalid_performer_names_every_bad_field_and_writes_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = make_user("talent_rep")
    before = _counts()
    body = performer_body(email="not-an-email", phone="call me", legal_name="", erased_at="x")
    del body["professional_name"]
    response = client.post("/api/v1/performers", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert response.json is not None
    assert set(response.json["errors"]) == {
        "email",
        "phone",
        "legal_name",
        "professional_name",
        "erased_at",
    }
    assert "not-an-email" not in response.get_data(as_text=True)
    assert _counts() == before


def test_representatives_are_added_by_an_admin_only(ctx: Flask, client: FlaskClient) -> None:
    _, rep = make_user("talent_rep")
    rep2, rep2_token = make_user("talent_rep")
    legal, _ = make_user("legal")
    _, admin = make_user("admin")
    created = api_create_performer(client, rep)
    path = f"/api/v1/performers/{created['id']}/representatives"
    assert client.post(path, json={"user_id": rep2.id}, headers=bearer(rep)).status_code == 403
    assert (
        client.get(f"/api/v1/performers/{created['id']}", headers=bearer(rep2_token)).status_code
        == 404
    )
    added = client.post(path, json={"user_id": rep2.id}, headers=bearer(admin))
    assert added.status_code == 201
    got = client.get(f"/api/v1/performers/{created['id']}", headers=bearer(rep2_token))
    assert got.status_code == 200 and got.json is not None and "legal_name" in got.json
    assert client.post(path, json={"user_id": rep2.id}, headers=bearer(admin)).status_code == 409
    not_rep = client.post(path, json={"user_id": legal.id}, headers=bearer(admin))
    assert not_rep.status_code == 422 and not_rep.json is not None
    assert "user_id" in not_rep.json["errors"]


def test_a_rep_corrects_details(ctx: Flask, client: FlaskClient) -> None:
    _, rep = make_user("talent_rep")
    created = api_create_performer(client, rep)
    changed = client.patch(
        f"/api/v1/performers/{created['id']}",
        json={"email": "new@example.test", "deceased": True, "guild": None},
        headers=bearer(rep),
    )
    assert changed.status_code == 200 and changed.json is not None
    assert changed.json["email"] == "new@example.test" and changed.json["deceased"] is True
    assert changed.json["legal_name"] == created["legal_name"]
    refused = client.patch(
        f"/api/v1/performers/{created['id']}",
        json={"legal_name": None, "id": "x"},
        headers=bearer(rep),
    )
    assert refused.status_code == 422 and refused.json is not None
    assert set(refused.json["errors"]) == {"legal_name", "id"}


def test_a_ciphertext_copied_to_another_row_does_not_open(
    ctx: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, rep = make_user("talent_rep")
    a = api_create_performer(client, rep, email="a@example.test")
    b = api_create_performer(client, rep, email="b@example.test")
    row_a = db.session.get(Performer, a["id"])
    row_b = db.session.get(Performer, b["id"])
    assert row_a is not None and row_b is not None
    row_b.email_ct = row_a.email_ct  # another row (and another performer's key)
    row_b.phone_ct = row_b.legal_name_ct  # another column of the same row
    with caplog.at_level(logging.ERROR, logger="registry.performers"):
        shown = reveal(row_b)
    assert shown is not None
    assert shown["email"] is None and shown["phone"] is None
    assert shown["legal_name"] == b["legal_name"]
    assert "does not decrypt" in caplog.text
    assert "a@example.test" not in caplog.text and b["legal_name"] not in caplog.text
    db.session.rollback()
