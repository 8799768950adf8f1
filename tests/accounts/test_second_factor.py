"""Issue 14, item 5: admin and legal sign in to the pages with a second factor (TOTP) and have
recovery codes; they enrol at their first sign-in. API tokens are unaffected. The demo's admin
and legal are enrolled and their secrets printed next to their logins."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from registry.accounts.models import RecoveryCode, SecondFactor
from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.accounts.conftest import an_address
from tests.factories import PASSWORD, bearer, csrf_token, login, make_user
from tests.factories.accounts import remember_secret, second_factor_code

SECRET = re.compile(r'<code class="hash" id="secret">([A-Z2-7 ]+)</code>')
CODE = re.compile(r"<li><code class=\"hash\">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")
WRONG_CODE = "That code is not right, or it was used already."


def _password(client: FlaskClient, email: str, address: str = "127.0.0.1") -> str:
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return str(answer.headers["Location"])


def _code(client: FlaskClient, page: str, code: str, address: str = "127.0.0.1") -> TestResponse:
    return client.post(
        page,
        data={"code": code, "csrf_token": csrf_token(client, page)},
        environ_base={"REMOTE_ADDR": address},
    )


def _actions(user_id: str) -> list[str]:
    rows = db.session.execute(
        select(AuditEvent.action).where(AuditEvent.subject_id == user_id).order_by(AuditEvent.seq)
    )
    return [r[0] for r in rows]


def test_legal_enrols_at_the_first_sign_in_and_gets_recovery_codes(
    ctx: Flask, client: FlaskClient
) -> None:
    user, _ = make_user("legal", second_factor_enrolled=False)
    assert _password(client, user.email) == "/login/enrol"
    for page in ("/", "/performers", "/approvals/", "/account"):
        answer = client.get(page)  # the password alone opens no page
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")

    enrol = client.get("/login/enrol")
    html = enrol.get_data(as_text=True)
    assert enrol.status_code == 200
    found = SECRET.search(html)
    assert found is not None
    secret = found.group(1).replace(" ", "")
    uri = re.search(r'href="(otpauth://totp/[^"]+)"', html)
    assert uri is not None
    query = parse_qs(urlsplit(uri.group(1).replace("&amp;", "&")).query)
    assert query["secret"] == [secret] and query["issuer"] == ["Talent consent registry"]
    assert client.get("/login/enrol").get_data(as_text=True).count(found.group(1)) == 1

    totp = pyotp.TOTP(secret)
    wrong = _code(client, "/login/enrol", str((int(totp.now()) + 1) % 1_000_000).zfill(6))
    assert wrong.status_code == 401
    assert WRONG_CODE in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302

    done = _code(client, "/login/enrol", totp.now())
    assert done.status_code == 200
    codes = CODE.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    account = client.get("/account").get_data(as_text=True)
    assert "an authenticator app; 10 recovery codes left" in account

    stored = db.session.get(SecondFactor, user.id)
    assert stored is not None and stored.confirmed_at is not None
    assert secret.encode() not in stored.secret_ct  # encrypted at rest
    hashes = db.session.execute(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).scalars()
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)
    assert "user.second_factor_enrolled" in _actions(user.id)


def test_each_sign_in_needs_a_fresh_code_and_a_code_works_once(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("admin")
    first = app.test_client()
    assert _password(first, user.email) == "/login/second-factor"
    code = second_factor_code(user.email)
    assert _code(first, "/login/second-factor", code).status_code == 302
    assert first.get("/").status_code == 200

    thief = app.test_client()  # saw the password and that code
    assert _password(thief, user.email) == "/login/second-factor"
    replayed = _code(thief, "/login/second-factor", code)
    assert replayed.status_code == 401
    assert thief.get("/").status_code == 302
    assert _code(thief, "/login/second-factor", "12345").status_code == 401
    later = _code(thief, "/login/second-factor", second_factor_code(user.email))
    assert later.status_code == 302


def test_a_recovery_code_signs_in_once(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("legal", second_factor_enrolled=False)
    client = app.test_client()
    _password(client, user.email)
    secret = SECRET.search(client.get("/login/enrol").get_data(as_text=True))
    assert secret is not None
    remember_secret(user.email, secret.group(1).replace(" ", ""))
    done = _code(client, "/login/enrol", second_factor_code(user.email))
    codes = CODE.findall(done.get_data(as_text=True))

    other = app.test_client()
    _password(other, user.email)
    used = _code(other, "/login/second-factor", codes[3].upper().replace("-", " "))
    assert used.status_code == 302
    assert "9 left" in other.get("/").get_data(as_text=True)
    third = app.test_client()
    _password(third, user.email)
    assert _code(third, "/login/second-factor", codes[3]).status_code == 401
    assert "user.recovery_code_used" in _actions(user.id)


def test_new_recovery_codes_replace_the_old_ones_given_a_code_from_the_app(
    ctx: Flask, app: Flask
) -> None:
    user, _ = make_user("admin", second_factor_enrolled=False)
    client = app.test_client()
    _password(client, user.email)
    secret = SECRET.search(client.get("/login/enrol").get_data(as_text=True))
    assert secret is not None
    remember_secret(user.email, secret.group(1).replace(" ", ""))
    old = CODE.findall(
        _code(client, "/login/enrol", second_factor_code(user.email)).get_data(as_text=True)
    )
    refused = _code(client, "/account/recovery-codes", old[0])
    assert refused.status_code == 422
    fresh = _code(client, "/account/recovery-codes", second_factor_code(user.email))
    new = CODE.findall(fresh.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    _password(other, user.email)
    assert _code(other, "/login/second-factor", old[1]).status_code == 401
    assert _code(other, "/login/second-factor", new[1]).status_code == 302


def test_other_roles_are_not_asked_and_api_tokens_are_unaffected(
    ctx: Flask, client: FlaskClient
) -> None:
    for role in ("talent_rep", "vfx_lead", "auditor"):
        user, _ = make_user(role)
        assert _password(client, user.email) == "/"
    _, token = make_user("admin", second_factor_enrolled=False)
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json is not None and me.json["role"] == "admin"
    created = client.post(
        "/api/v1/users", json={"email": "new@example.test", "role": "legal"}, headers=bearer(token)
    )
    assert created.status_code == 201


def test_guessing_codes_is_throttled_like_passwords(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("legal")
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC), tick=False):
        _password(client, user.email, an_address())
        for guess in ("000000", "111111", "222222", "333333", "444444"):
            assert _code(client, "/login/second-factor", guess, an_address()).status_code == 401
        right = _code(client, "/login/second-factor", second_factor_code(user.email), an_address())
        assert right.status_code == 429
        assert "Too many failed sign-ins" in right.get_data(as_text=True)


def test_a_sign_in_waits_ten_minutes_for_its_code(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("admin")
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        _password(client, user.email)
        clock.shift(10 * 60 + 1)
        late = client.post(
            "/login/second-factor",
            data={"code": second_factor_code(user.email), "csrf_token": csrf_token(client)},
        )
        assert late.status_code == 302
        assert late.headers["Location"] == "/login"  # sign in again
        assert client.get("/").status_code == 302


def test_an_admin_resets_a_lost_second_factor(ctx: Flask, app: Flask) -> None:
    user, _ = make_user("legal")
    client = app.test_client()
    login(client, user)
    result = ctx.test_cli_runner().invoke(args=["users", "reset-second-factor", user.email])
    assert result.exit_code == 0 and "enrol again" in result.output
    assert client.get("/").status_code == 302  # their sessions ended
    assert _password(app.test_client(), user.email) == "/login/enrol"
    assert "user.second_factor_reset" in _actions(user.id)


def test_the_demo_enrols_admin_and_legal_and_prints_their_secrets(isolated_app: Flask) -> None:
    result = isolated_app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    rows = {
        m.group(1): m.groups()[1:]
        for m in re.finditer(
            r"^\s+(\w+)\s+(\S+@demo\.test)\s+password: (\S+)(?:  TOTP secret: ([A-Z2-7]+))?$",
            result.output,
            re.MULTILINE,
        )
    }
    assert set(rows) == {"admin", "talent_rep", "vfx_lead", "legal", "auditor"}
    assert rows["admin"][2] and rows["legal"][2]
    assert rows["vfx_lead"][2] is None and rows["auditor"][2] is None
    again = isolated_app.test_cli_runner().invoke(args=["demo", "seed"])
    assert f"TOTP secret: {rows['admin'][2]}" in again.output  # the same, run after run

    email, password, secret = rows["legal"]
    client = isolated_app.test_client()
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )
    assert answer.headers["Location"] == "/login/second-factor"
    done = _code(client, "/login/second-factor", pyotp.TOTP(secret).now())
    assert done.status_code == 302
    assert client.get("/approvals/").status_code == 200
    logins = Path(isolated_app.config["DATA_DIR"]) / "demo_logins.txt"
    assert secret not in logins.read_text()
