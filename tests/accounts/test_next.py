"""Issue 14, item 4: after signing in, ``next`` sends the browser only to a page of this site.

``/%09/evil.example`` used to leave as ``//evil.example`` (Werkzeug drops the tab as a browser
would), and a CR/LF in ``next`` answered 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, csrf_token, make_user
from tests.factories.accounts import second_factor_code

ELSEWHERE = [
    "/%09/evil.example",  # a tab: dropped on the way out, leaving //evil.example
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0d%0a/evil.example",
    "%09//evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "//evil.example/%2F..",
    "javascript:alert(1)",
    "%0d%0aSet-Cookie:%20stolen=1",  # a CR/LF: was a 500
    "/performers%0d%0aSet-Cookie:%20stolen=1",
    "/no-such-page-here",
    "evil.example",
    "",
]
ON_SITE = {  # next (as a browser sends it, percent-encoded) -> where sign-in goes
    "/performers": "/performers",
    "/performers?q=Jane Doe&page=2": "/performers?q=Jane%20Doe&page=2",
    "/consents/expiring?days=30": "/consents/expiring?days=30",
    "/rules#R6": "/rules#R6",
    "/performers?q=Zoë": "/performers?q=Zo%C3%AB",
}


def _sign_in(client: FlaskClient, email: str, query: str) -> str:
    response = client.post(
        f"/login?next={query}",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


@pytest.mark.parametrize("query", ELSEWHERE)
def test_next_never_leaves_the_site(ctx: Flask, app: Flask, query: str) -> None:
    user, _ = make_user("talent_rep")
    client = app.test_client()
    assert _sign_in(client, user.email, query) == "/"
    assert client.get("/").status_code == 200  # signed in all the same


@pytest.mark.parametrize(("target", "location"), ON_SITE.items())
def test_next_goes_to_the_page_asked_for(
    ctx: Flask, app: Flask, target: str, location: str
) -> None:
    user, _ = make_user("talent_rep")
    assert _sign_in(app.test_client(), user.email, quote(target, safe="/")) == location


def test_next_survives_the_second_factor_and_is_checked_there_too(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("legal")
    client = app.test_client()
    step = _sign_in(client, user.email, "/performers%3Fq%3DJane")
    assert step == "/login/second-factor?next=/performers?q%3DJane"
    done = client.post(
        step,
        data={"code": second_factor_code(user.email), "csrf_token": csrf_token(client, step)},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/performers?q=Jane"

    other = app.test_client()
    _sign_in(other, user.email, "/performers")
    forged = other.post(
        "/login/second-factor?next=/%09/evil.example",
        data={
            "code": second_factor_code(user.email),
            "csrf_token": csrf_token(other, "/login/second-factor"),
        },
    )
    assert forged.status_code == 302 and forged.headers["Location"] == "/"
