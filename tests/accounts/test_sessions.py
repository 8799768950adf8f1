"""Issue 14, item 3: sessions end when idle and at an absolute lifetime kept on their row (a
cookie signed again later extends nothing); a new password, a new role or a revoked user ends
all of that user's sessions; API tokens may expire, and ``/api/v1/me`` says when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.accounts.models import ApiToken, LoginSession
from registry.extensions import db
from tests.factories import PASSWORD, bearer, csrf_token, login, make_user

GOOD = "plinth marmalade overcast"


def _signed_in(client: FlaskClient) -> bool:
    answer = client.get("/")
    assert answer.status_code in (200, 302)
    return answer.status_code == 200


def test_a_session_ends_after_30_minutes_without_a_request(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("talent_rep")
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        login(client, user)
        for _ in range(4):  # a request every 29 minutes keeps it going
            clock.shift(29 * 60)
            assert _signed_in(client)
        clock.shift(31 * 60)
        assert not _signed_in(client)


def test_a_session_ends_12_hours_after_sign_in_though_flashes_sign_its_cookie_again(
    ctx: Flask, app: Flask
) -> None:
    """Busy all day, and the cookie signed anew every 20 minutes by a flash message (as any
    form that answers with a message does): the session still ends 12 hours after it began."""
    user, _ = make_user("talent_rep")
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        login(client, user)
        first = client.get_cookie("session")
        assert first is not None
        for _ in range(35):  # 11 h 40 min
            clock.shift(20 * 60)
            with client.session_transaction() as session:  # the app signs the cookie anew
                session.setdefault("_flashes", []).append(("success", "Saved."))
            assert _signed_in(client)
        cookie = client.get_cookie("session")
        assert cookie is not None and cookie.value != first.value
        clock.shift(21 * 60)  # 12 h 1 min after signing in, 1 minute after the last request
        assert not _signed_in(client)


def test_a_flash_from_the_app_itself_does_not_extend_the_session(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("talent_rep")
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        login(client, user)
        for _ in range(35):
            clock.shift(20 * 60)
            answer = client.post(  # a form the app answers with a flash (and a fresh cookie)
                "/account/recovery-codes",
                data={"csrf_token": csrf_token(client, "/account/password")},
            )
            assert answer.status_code == 302 and "session=" in answer.headers["Set-Cookie"]
        assert _signed_in(client)
        clock.shift(21 * 60)
        assert not _signed_in(client)


def test_a_new_password_ends_every_session_of_that_user(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("vfx_lead")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    bystander, _ = make_user("vfx_lead")
    other = app.test_client()
    login(other, bystander)

    result = ctx.test_cli_runner().invoke(
        args=["users", "set-password", user.email], input=f"{GOOD}\n{GOOD}\n"
    )
    assert result.exit_code == 0, result.output
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert _signed_in(other)

    login(laptop, user, GOOD)  # on the page now: the other sessions end, this one goes on
    login(phone, user, GOOD)
    page = "/account/password"
    changed = laptop.post(
        page,
        data={
            "current_password": GOOD,
            "new_password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": csrf_token(laptop, page),
        },
    )
    assert changed.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    login(phone, user, PASSWORD)


def test_a_new_role_ends_every_session_and_an_admin_then_enrols(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("auditor")
    client = app.test_client()
    login(client, user)
    result = ctx.test_cli_runner().invoke(args=["users", "set-role", user.email, "admin"])
    assert result.exit_code == 0 and "sessions have ended" in result.output
    assert not _signed_in(client)
    answer = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert answer.headers["Location"] == "/login/enrol"  # admins sign in with a second factor
    same = ctx.test_cli_runner().invoke(args=["users", "set-role", user.email, "admin"])
    assert same.exit_code == 0 and "admin already" in same.output


def test_a_revoked_user_loses_every_session_and_token(ctx: Flask, app: Flask) -> None:
    user, token = make_user("legal")
    client = app.test_client()
    login(client, user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    result = ctx.test_cli_runner().invoke(args=["users", "revoke", user.email])
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    again = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert again.status_code == 401
    open_sessions = db.session.execute(
        select(func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    ).scalar_one()
    assert open_sessions == 0


def test_a_token_may_expire_and_me_says_when(ctx: Flask, client: FlaskClient) -> None:
    user, forever = make_user("vfx_lead")
    runner = ctx.test_cli_runner()
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as clock:
        issued = runner.invoke(args=["users", "token", user.email, "--expires-in", "12h"])
        assert issued.exit_code == 0, issued.output
        *said, token = issued.output.strip().splitlines()
        expected = datetime.now(UTC) + timedelta(hours=12)
        assert said == [f"Expires at {expected.isoformat()}."]
        me = client.get("/api/v1/me", headers=bearer(token))
        assert me.status_code == 200 and me.json is not None
        assert datetime.fromisoformat(me.json["token_expires_at"]) == expected
        plain = client.get("/api/v1/me", headers=bearer(forever)).json
        assert plain is not None and plain["token_expires_at"] is None

        clock.shift(12 * 3600 - 1)
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
        clock.shift(1)
        expired = client.get("/api/v1/me", headers=bearer(token))
        assert expired.status_code == 401
        assert expired.json is not None and expired.json["code"] == 401
        assert client.get("/api/v1/me", headers=bearer(forever)).status_code == 200


def test_a_bad_expiry_is_refused_and_issues_no_token(ctx: Flask) -> None:
    user, _ = make_user("vfx_lead")
    runner = ctx.test_cli_runner()

    def tokens() -> int:
        return int(
            db.session.execute(
                select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)
            ).scalar_one()
        )

    before = tokens()
    for bad in ("0d", "12", "1y", "-3h", "soon", "1.5h"):
        result = runner.invoke(args=["users", "token", user.email, "--expires-in", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "is not a duration" in result.output
    assert tokens() == before
    for good in ("45s", "30m", "2w", "90d"):
        assert (
            runner.invoke(args=["users", "token", user.email, "--expires-in", good]).exit_code == 0
        )
    assert tokens() == before + 4
