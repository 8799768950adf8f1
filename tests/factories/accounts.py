"""Users, made through the accounts service: with a password and a token, a token only, or
neither (the last two skip Argon2 hashing, so they are fast in bulk).

Admin and legal sign in to the pages with a second factor: ``make_user`` enrols theirs (an
authenticator secret, kept here by e-mail) unless told not to, and ``second_factor_code``
computes a code from it as the user's app would, one not used yet (the registry accepts each
30-second step once per user).
"""

from __future__ import annotations

import secrets
import time

import pyotp

from registry.accounts import second_factor
from registry.accounts import services as accounts
from registry.accounts.models import SECOND_FACTOR_ROLES, User
from registry.extensions import db

PASSWORD = "correct horse battery staple"

TOTP_SECRETS: dict[str, str] = {}
"""The authenticator secret of each user enrolled here, by e-mail."""
_LAST_STEP: dict[str, int] = {}


def make_user(
    role: str,
    email: str | None = None,
    *,
    password: str = PASSWORD,
    second_factor_enrolled: bool | None = None,
) -> tuple[User, str]:
    """A committed user who can sign in with ``password``, and a fresh API token. Admin and
    legal have an authenticator already (``second_factor_enrolled=False``: they enrol at their
    first sign-in, as a new user does)."""
    email = email or f"{role}-{secrets.token_hex(4)}@example.test"
    user = accounts.create_user(email, role, role.title(), password, actor_id=None)
    token = accounts.issue_token(user, actor_id=None)
    if second_factor_enrolled is None:
        second_factor_enrolled = role in SECOND_FACTOR_ROLES
    if second_factor_enrolled:
        TOTP_SECRETS[user.email] = second_factor.enrol_now(user, actor_id=None)
        _LAST_STEP.pop(user.email, None)
    db.session.commit()
    return user, token


def remember_secret(email: str, secret: str) -> None:
    """Keep the secret of a user who enrolled through the pages (for ``second_factor_code``)."""
    TOTP_SECRETS[email] = secret
    _LAST_STEP.pop(email, None)


def second_factor_code(email: str) -> str:
    """A code from the user's authenticator for a time step not given out here before (the
    current one or the next, which the registry accepts too); waits for the next step when
    both were used."""
    totp = pyotp.TOTP(TOTP_SECRETS[email])
    while True:
        now = totp.timecode(time.time())
        step = max(now, _LAST_STEP.get(email, now - 1) + 1)
        if step <= now + 1:
            _LAST_STEP[email] = step
            return totp.generate_otp(step)
        time.sleep(max(0.05, totp.interval - time.time() % totp.interval))


def api_user(role: str) -> tuple[User, str]:
    """A committed user with an API token and no password (fast: no password hashing)."""
    user = accounts.create_user(
        f"{role}-{secrets.token_hex(4)}@example.test", role, role.title(), None, actor_id=None
    )
    token = accounts.issue_token(user, actor_id=None)
    db.session.commit()
    return user, token


def quick_user(role: str, email: str | None = None) -> User:
    """A committed user without password or token (no Argon2 hashing: fast in bulk)."""
    user = accounts.create_user(
        email or f"{role}-{secrets.token_hex(5)}@example.test", role, role.title(), actor_id=None
    )
    db.session.commit()
    return user
