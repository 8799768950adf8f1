"""Issue 14, item 2: common and guessable passwords are refused (a zxcvbn estimate), in the CLI
and on the password page; twelve characters alone are not enough. A refusal says why and
writes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.accounts.models import User
from registry.accounts.services import check_password
from registry.extensions import db
from tests.factories import PASSWORD, csrf_token, login, make_user

WEAK = ["password1234", "123456789012", "aaaaaaaaaaaa", " " * 12, "qwertyuiop12", "letmein12345"]
GOOD = "plinth marmalade overcast"


def _users() -> int:
    return int(db.session.execute(select(func.count()).select_from(User)).scalar_one())


@pytest.mark.parametrize("password", WEAK)
def test_the_cli_refuses_a_guessable_password_and_creates_no_user(
    ctx: Flask, password: str
) -> None:
    before = _users()
    result = ctx.test_cli_runner().invoke(
        args=["users", "create", "weak@example.test", "--role", "legal", "--password", password]
    )
    assert result.exit_code != 0
    assert "password: Too easy to guess." in result.output
    assert _users() == before


def test_the_cli_refuses_a_password_made_of_the_users_own_name(ctx: Flask) -> None:
    result = ctx.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "marguerite.okonkwo@studio.test",
            "--role",
            "legal",
            "--name",
            "Marguerite Okonkwo",
            "--password",
            "MargueriteOkonkwo1",
        ]
    )
    assert result.exit_code != 0
    assert "Must not contain your name or the name part of your e-mail" in result.output


@pytest.mark.parametrize("password", WEAK[:4])
def test_set_password_refuses_a_guessable_password_and_keeps_the_old_one(
    ctx: Flask, password: str
) -> None:
    user, _ = make_user("talent_rep")
    result = ctx.test_cli_runner().invoke(
        args=["users", "set-password", user.email], input=f"{password}\n{password}\n"
    )
    assert result.exit_code != 0
    assert "Too easy to guess." in result.output
    db.session.expire_all()
    assert check_password(user.email, PASSWORD) is not None
    assert check_password(user.email, password) is None


def test_the_cli_takes_a_strong_password(ctx: Flask) -> None:
    runner = ctx.test_cli_runner()
    created = runner.invoke(
        args=["users", "create", "fine@example.test", "--role", "auditor", "--password", GOOD]
    )
    assert created.exit_code == 0, created.output
    assert check_password("fine@example.test", GOOD) is not None
    short = runner.invoke(
        args=["users", "set-password", "fine@example.test"], input="Xk3$pq\nXk3$pq\n"
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output


@pytest.mark.parametrize("password", WEAK[:4])
def test_the_password_page_refuses_a_guessable_password(
    ctx: Flask, client: FlaskClient, password: str
) -> None:
    user, _ = make_user("talent_rep")
    login(client, user)
    page = "/account/password"
    response = client.post(
        page,
        data={
            "current_password": PASSWORD,
            "new_password": password,
            "confirm": password,
            "csrf_token": csrf_token(client, page),
        },
    )
    assert response.status_code == 422
    assert "Too easy to guess." in response.get_data(as_text=True)
    db.session.expire_all()
    assert check_password(user.email, PASSWORD) is not None
    assert client.get("/").status_code == 200  # still signed in: nothing changed


def test_the_password_page_needs_the_current_password(ctx: Flask, client: FlaskClient) -> None:
    user, _ = make_user("talent_rep")
    login(client, user)
    page = "/account/password"
    response = client.post(
        page,
        data={
            "current_password": "not my password",
            "new_password": GOOD,
            "confirm": GOOD,
            "csrf_token": csrf_token(client, page),
        },
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    db.session.expire_all()
    assert check_password(user.email, GOOD) is None
