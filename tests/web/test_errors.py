"""One JSON error body for the API; HTML error pages for people; never a traceback."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from tests.factories import bearer, make_user


def _body_keys(response: object) -> set[str]:
    body = response.json  # type: ignore[attr-defined]
    assert isinstance(body, dict)
    return set(body)


def test_unknown_api_path_is_json_404(ctx: Flask, client: FlaskClient) -> None:
    _, token = make_user("admin")
    response = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert response.status_code == 404
    assert _body_keys(response) == {"code", "status", "message"}
    assert response.json is not None
    assert response.json == {
        "code": 404,
        "status": "Not Found",
        "message": response.json["message"],
    }


def test_wrong_method_is_json_405(ctx: Flask, client: FlaskClient) -> None:
    _, token = make_user("admin")
    response = client.delete("/api/v1/me", headers=bearer(token))
    assert response.status_code == 405
    assert response.json is not None and response.json["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400_and_writes_nothing(ctx: Flask, client: FlaskClient) -> None:
    _, token = make_user("admin")
    response = client.post(
        "/api/v1/productions",
        data="{not json",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json is not None and response.json["code"] == 400
    listing = client.get("/api/v1/productions", headers=bearer(token)).json
    assert listing is not None and listing["total"] == 0


def test_validation_names_every_bad_field_including_unknown_ones(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = make_user("admin")
    response = client.post(
        "/api/v1/productions",
        json={"title": "", "code": "has spaces", "kind": "film", "budget": 3},
        headers=bearer(token),
    )
    assert response.status_code == 422
    body = response.json
    assert body is not None
    assert body["status"] == "Unprocessable Entity"
    assert set(body["errors"]) == {"title", "code", "kind", "budget"}


def test_object_you_may_not_see_answers_like_a_missing_one(ctx: Flask, client: FlaskClient) -> None:
    from tests.factories import make_production

    lead, token = make_user("vfx_lead")
    other = make_production("OTHER-1")
    mine = make_production("MINE-1", members=(lead,))
    assert client.get(f"/api/v1/productions/{mine.id}", headers=bearer(token)).status_code == 200
    hidden = client.get(f"/api/v1/productions/{other.id}", headers=bearer(token))
    missing = client.get("/api/v1/productions/prd_nope", headers=bearer(token))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json == missing.json


def test_a_crash_shows_no_traceback(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": False,
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )

    @app.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    @app.get("/boom")
    def boom_page() -> str:
        raise RuntimeError("secret internal detail")

    client = app.test_client()
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json is not None and api.json["code"] == 500
    assert "secret" not in api.get_data(as_text=True)
    page = client.get("/boom")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "<html" in text and "secret" not in text and "Traceback" not in text


def test_unknown_page_is_an_html_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "404" in response.get_data(as_text=True)


def test_nul_characters_are_refused_everywhere_before_any_view(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = make_user("admin")
    bad_json = client.post(
        "/api/v1/productions", headers=bearer(token), json={"title": "A\x00", "code": "NUL-1"}
    )
    bad_query = client.get("/api/v1/audit/events?action=x%00y", headers=bearer(token))
    bad_key = client.post(
        "/api/v1/productions",
        headers=bearer(token),
        json={"title": "A", "code": "NUL-2", "x\x00": 1},
    )
    for response in (bad_json, bad_query, bad_key):
        assert response.status_code == 400
        assert response.json is not None and "NUL" in response.json["message"]
    bad_form = client.post("/login", data={"email": "a\x00@b.test", "password": "x"})
    assert bad_form.status_code == 400 and "text/html" in bad_form.content_type
    listing = client.get("/api/v1/productions", headers=bearer(token)).json
    assert listing is not None and listing["total"] == 0
