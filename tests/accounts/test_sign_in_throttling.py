"""Issue 14, item 1: password guessing. Failed sign-ins are counted per account and per client
address (a ``limits`` store: memory, or Redis when ``REDIS_URL`` is set): past a few the
account is slowed, then locked for a while, and the lock is audited. Failed API token checks
are throttled per client the same way; good requests are never counted."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from limits.errors import ConfigurationError
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.accounts.conftest import REDIS_URL, an_address
from tests.factories import PASSWORD, bearer, csrf_token, make_user
from tests.factories.accounts import quick_user

REFUSED = "Too many failed sign-ins. Wait a few minutes, then try again."
WRONG = "E-mail or password is not right."
_CSRF_VALUE = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+"')


def sign_in(client: FlaskClient, email: str, password: str, address: str, **headers: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _locks(user_id: str) -> int:
    return len(
        db.session.execute(
            select(AuditEvent.seq).where(
                AuditEvent.action == "user.sign_in_locked", AuditEvent.subject_id == user_id
            )
        ).all()
    )


def test_wrong_passwords_slow_the_account_then_lock_it_for_a_while_and_the_lock_is_audited(
    ctx: Flask, client: FlaskClient
) -> None:
    """An attacker who changes address at every guess is still held to the account's pace:
    5 guesses a minute, then 10 in 15 minutes locks the account for 15 minutes (the right
    password too), and the audit trail says when it was locked."""
    user, _ = make_user("talent_rep")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            assert sign_in(client, user.email, "wrong password!", an_address()).status_code == 401
        slowed = sign_in(client, user.email, PASSWORD, an_address())
        assert slowed.status_code == 429
        assert REFUSED in slowed.get_data(as_text=True)
        assert client.get("/").status_code == 302  # not signed in

        clock.shift(61)  # slowed, not locked: a minute later guessing goes on, five at a time
        for _ in range(5):
            assert sign_in(client, user.email, "wrong again!!", an_address()).status_code == 401
        assert _locks(user.id) == 1

        clock.shift(61)
        locked = sign_in(client, user.email, PASSWORD, an_address())
        assert locked.status_code == 429  # the right password is refused while locked
        assert REFUSED in locked.get_data(as_text=True)
        clock.shift(13 * 60)
        assert sign_in(client, user.email, PASSWORD, an_address()).status_code == 429

        clock.shift(2 * 60)  # the lock (15 minutes) is over
        assert sign_in(client, user.email, PASSWORD, an_address()).status_code == 302
        assert client.get("/").status_code == 200
    assert _locks(user.id) == 1


def test_of_200_wrong_passwords_in_a_row_five_are_tried(ctx: Flask, client: FlaskClient) -> None:
    user, _ = make_user("vfx_lead")
    address = an_address()
    answers = [sign_in(client, user.email, f"guess number {i}", address) for i in range(200)]
    codes = [a.status_code for a in answers]
    assert codes[:5] == [401] * 5
    assert set(codes[5:]) == {429}


def test_failures_from_one_address_throttle_it_across_accounts(
    ctx: Flask, client: FlaskClient
) -> None:
    """Password spraying: one guess at each of many accounts from one address slows that
    address (20 a minute), whoever signs in from it; other addresses are not affected."""
    user, _ = make_user("auditor")
    sprayer = an_address()
    for i in range(20):
        response = sign_in(client, f"someone-{i}@example.test", "Spring2026!", sprayer)
        assert response.status_code == 401
    refused = sign_in(client, user.email, PASSWORD, sprayer)
    assert refused.status_code == 429
    assert sign_in(client, user.email, PASSWORD, an_address()).status_code == 302


def _outside_view(response: Any, email: str) -> tuple[int, list[str], str]:
    """What a client sees, but for the CSRF token and the e-mail it typed (echoed back)."""
    text = _CSRF_VALUE.sub(r'\1"', response.get_data(as_text=True)).replace(email, "EMAIL")
    return response.status_code, sorted(response.headers.keys()), text


def test_both_kinds_of_refusal_look_the_same_and_so_do_known_and_unknown_accounts(
    app: Flask, ctx: Flask
) -> None:
    known, _ = make_user("talent_rep")
    guessed = an_address()
    for _ in range(5):  # the account is slowed
        sign_in(app.test_client(), known.email, "not the password", guessed)
    for _ in range(5):  # an unknown account, the same
        sign_in(app.test_client(), "nobody-here@example.test", "not the password", guessed)
    sprayer = an_address()  # an address is slowed (an account of its own each time)
    for i in range(20):
        sign_in(app.test_client(), f"sprayed-{i}@example.test", "not the password", sprayer)
    other, _ = make_user("talent_rep")

    by_account = sign_in(app.test_client(), known.email, PASSWORD, an_address())
    by_unknown_account = sign_in(
        app.test_client(), "nobody-here@example.test", PASSWORD, an_address()
    )
    by_address = sign_in(app.test_client(), other.email, PASSWORD, sprayer)
    assert by_account.status_code == 429
    seen = _outside_view(by_account, known.email)
    assert seen == _outside_view(by_address, other.email)
    assert seen == _outside_view(by_unknown_account, "nobody-here@example.test")
    assert REFUSED in seen[2] and "EMAIL" in seen[2]


def test_failed_token_checks_are_throttled_per_client_and_good_ones_never_counted(
    ctx: Flask, client: FlaskClient
) -> None:
    _, token = make_user("vfx_lead")
    busy, guesser, other = an_address(), an_address(), an_address()
    for _ in range(300):  # a benchmark's worth of good requests from one address
        good = client.get("/api/v1/me", headers=bearer(token), environ_base={"REMOTE_ADDR": busy})
        assert good.status_code == 200
    for _ in range(50):  # no token at all is no guess
        anonymous = client.get("/api/v1/me", environ_base={"REMOTE_ADDR": guesser})
        assert anonymous.status_code == 401
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    def me(value: str, address: str) -> Any:
        return client.get(
            "/api/v1/me", headers=bearer(value), environ_base={"REMOTE_ADDR": address}
        )

    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for i in range(20):
            assert me(f"reg_guess-{i}", guesser).status_code == 401
        refused = me(token, guesser)  # refused before the token is looked at, even a good one
        assert refused.status_code == 429
        assert refused.json is not None
        assert refused.json["code"] == 429 and refused.json["status"] == "Too Many Requests"
        assert "failed token checks" in refused.json["message"]
        assert me(token, other).status_code == 200

        clock.shift(61)  # slowed: the next minute's guesses go on, 20 at a time ...
        assert me(token, guesser).status_code == 200
        for minute in range(4):
            for i in range(20):
                assert me(f"reg_more-{minute}-{i}", guesser).status_code == 401
            clock.shift(61)
        assert me(token, guesser).status_code == 429  # ... until 100 in an hour lock it
        clock.shift(13 * 60)
        assert me(token, guesser).status_code == 429
        clock.shift(2 * 60)
        assert me(token, guesser).status_code == 200


def test_the_client_address_comes_from_the_configured_proxies_only(
    app: Flask, ctx: Flask, app_with: Callable[..., Flask]
) -> None:
    """Without PROXY_FIX_HOPS a client's own X-Forwarded-For is ignored (it cannot dodge its
    count); behind one proxy (PROXY_FIX_HOPS=1) the address that proxy appended is the
    client's, and an address the client wrote before it changes nothing."""
    user, _ = make_user("talent_rep")
    direct = an_address()
    for i in range(20):
        forged = {"X-Forwarded-For": an_address()}
        answer = sign_in(app.test_client(), f"x{i}@example.test", "nope nope", direct, **forged)
        assert answer.status_code == 401
    assert sign_in(app.test_client(), user.email, PASSWORD, direct).status_code == 429

    proxied = app_with(PROXY_FIX_HOPS=1)
    proxy = "127.0.0.1"
    with proxied.app_context():
        behind, _ = make_user("talent_rep")
        email = behind.email
        db.session.remove()
    sprayer, someone = an_address(), an_address()
    for i in range(20):
        # the client claims another address first; the proxy appends the real one
        claimed = {"X-Forwarded-For": f"{an_address()}, {sprayer}"}
        answer = sign_in(proxied.test_client(), f"y{i}@example.test", "nope nope", proxy, **claimed)
        assert answer.status_code == 401
    refused = sign_in(proxied.test_client(), email, PASSWORD, proxy, **{"X-Forwarded-For": sprayer})
    assert refused.status_code == 429
    fine = sign_in(proxied.test_client(), email, PASSWORD, proxy, **{"X-Forwarded-For": someone})
    assert fine.status_code == 302


def test_with_redis_every_process_shares_the_counts(
    app_with: Callable[..., Flask], redis_prefix: str
) -> None:
    """Two apps on one database and one Redis, as two gunicorn workers or hosts would be: the
    guesses made through one slow the account down on the other. Redis holds no e-mail."""
    first = app_with(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix)
    second = app_with(database=first, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix)
    with first.app_context():
        user, _ = make_user("talent_rep")
        email = user.email
        db.session.remove()
    for _ in range(5):
        assert (
            sign_in(first.test_client(), email, "wrong password!", an_address()).status_code == 401
        )
    assert sign_in(second.test_client(), email, PASSWORD, an_address()).status_code == 429
    found = redis.Redis.from_url(REDIS_URL).keys(f"*{redis_prefix}*")
    keys = [k.decode() if isinstance(k, bytes) else str(k) for k in found]
    assert keys and all("sign-in" in k for k in keys)
    assert not any(email.split("@")[0] in k or "example" in k for k in keys)


def test_with_redis_out_of_reach_sign_in_goes_on_and_is_still_throttled(
    app_with: Callable[..., Flask],
) -> None:
    unreachable = app_with(REDIS_URL="redis://127.0.0.1:1/0")
    with unreachable.app_context():
        user = quick_user("talent_rep")
        email = user.email
        db.session.remove()
    client = unreachable.test_client()
    for _ in range(5):
        assert sign_in(client, email, "wrong password!", an_address()).status_code == 401
    assert sign_in(client, email, "wrong password!", an_address()).status_code == 429


def test_an_async_redis_url_is_refused_at_start_without_echoing_it(
    app_with: Callable[..., Flask],
) -> None:
    # limits refuses it (its async driver is not installed), or the registry does (it is)
    with pytest.raises((ValueError, ConfigurationError)) as refused:
        app_with(REDIS_URL="async+redis://:s3cret@127.0.0.1:6379/0")
    assert "s3cret" not in str(refused.value)
