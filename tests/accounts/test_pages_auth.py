"""People sign in with e-mail and password; sessions end on the server; forms need CSRF tokens."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, csrf_token, login, make_user, post_form


def test_login_page_then_home_shows_the_role(ctx: Flask, client: FlaskClient) -> None:
    user, _ = make_user("legal")
    assert client.get("/").status_code == 302
    login(client, user)
    home = client.get("/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert user.email in text and "legal" in text


def test_wrong_password_is_refused_without_saying_which_part(
    ctx: Flask, client: FlaskClient
) -> None:
    user, _ = make_user("talent_rep")
    for email, password in ((user.email, "wrong password!"), ("nobody@example.test", PASSWORD)):
        response = post_form(client, "/login", {"email": email, "password": password})
        assert response.status_code == 401
        assert "E-mail or password is not right." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(ctx: Flask, client: FlaskClient) -> None:
    user, _ = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_session_cookie_flags(ctx: Flask, client: FlaskClient) -> None:
    user, _ = make_user("admin")
    csrf = csrf_token(client)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_kills_the_session_on_the_server(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("vfx_lead")
    browser = app.test_client()
    login(browser, user)
    stolen = browser.get_cookie("session")
    assert stolen is not None
    thief = app.test_client()
    thief.set_cookie("session", stolen.value)
    assert thief.get("/").status_code == 200  # the copy works while the session is open
    assert post_form(browser, "/logout", {}).status_code == 302
    assert browser.get("/").status_code == 302
    assert thief.get("/").status_code == 302  # and not after logging out


def test_next_parameter_only_redirects_inside_the_site(ctx: Flask, client: FlaskClient) -> None:
    user, _ = make_user("talent_rep")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_navigation_depends_on_the_role(ctx: Flask, client: FlaskClient) -> None:
    auditor, _ = make_user("auditor")
    login(client, auditor)
    text = client.get("/").get_data(as_text=True)
    assert "Audit trail" in text
    assert "May I use this?" not in text
