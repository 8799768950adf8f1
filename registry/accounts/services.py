"""Account operations: create users, issue and revoke API tokens, log in and out.

Tokens and login sessions are random and stored only as SHA-256 hashes. Passwords use Argon2id.
Every operation appends its audit event; none commits (the caller does, once).
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, bindparam, select, update

from registry.accounts.models import ApiToken, LoginSession, Role, User
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Invalid, NotFound
from registry.core.ids import new_id
from registry.core.reads import Query, SessionCursor, persistent
from registry.extensions import db

_hasher = PasswordHasher()
TOKEN_PREFIX = "reg_"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so timing does not reveal accounts
    (made on first use: hashing costs a tenth of a second that every command would pay)."""
    return _hasher.hash(secrets.token_urlsafe(16))


_USER_COLUMNS = (
    User.id,
    User.email,
    User.name,
    User.role,
    User.password_hash,
    User.active,
    User.created_at,
)
# Every API call runs this: one fixed, indexed SELECT (``registry.core.reads``), not an ORM query.
_TOKEN_USER = Query(
    select(*_USER_COLUMNS)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    email: str, role: str, name: str = "", password: str | None = None, *, actor_id: str | None
) -> User:
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        errors["email"] = ["Not a valid e-mail address."]
    if role not in {r.value for r in Role}:
        errors["role"] = [f"Must be one of: {', '.join(r.value for r in Role)}."]
    if password is not None and len(password) < 12:
        errors["password"] = ["Must be at least 12 characters."]
    if errors:
        raise Invalid("The user could not be created.", errors)
    if db.session.execute(select(User.id).where(User.email == email)).first():
        raise Conflict("A user with this e-mail already exists.", {"email": ["Already taken."]})
    user = User(
        id=new_id("usr"),
        email=email,
        role=role,
        name=name.strip(),
        password_hash=_hasher.hash(password) if password else None,
        active=True,
        created_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record("user.created", "user", user.id, {"role": role}, actor_id=actor_id)
    return user


def get_user_by_email(email: str) -> User:
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        raise NotFound("No such user.")
    return user


def set_password(user: User, password: str, *, actor_id: str | None) -> None:
    if len(password) < 12:
        raise Invalid("Password too short.", {"password": ["Must be at least 12 characters."]})
    user.password_hash = _hasher.hash(password)
    record("user.password_set", "user", user.id, actor_id=actor_id)


def issue_token(user: User, *, actor_id: str | None) -> str:
    """A new API token; the plaintext is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        id=new_id("tok"), user_id=user.id, token_hash=_digest(token), created_at=utcnow()
    )
    db.session.add(row)
    db.session.flush()
    record("token.issued", "user", user.id, {"token_id": row.id}, actor_id=actor_id)
    return token


def revoke_tokens(user: User, *, actor_id: str | None) -> int:
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    record("token.revoked", "user", user.id, {"count": count}, actor_id=actor_id)
    return count


def _token_rows(token_hash: str) -> list[Any]:
    """The token's user row, if any. On SQLite, when the session works on the engine's pool and
    has begun no transaction yet, it is read by a single SELECT outside any transaction (SQLite
    reads it in an implicit read transaction of its own): every session transaction holds
    SQLite's write lock, and checking a token does not need it (a request then waits for the
    lock only once it reaches its own work)."""
    bind = db.session.get_bind()
    if (
        isinstance(bind, Engine)
        and bind.dialect.name == "sqlite"
        and not db.session().in_transaction()
    ):
        # The pool's own DBAPI connection, which is in autocommit mode: the SELECT is a read
        # transaction of its own (SQLite's implicit one), with none of the Connection and
        # transaction objects (and their events) around it.
        connection = bind.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                return _TOKEN_USER.run(cursor, bind.dialect, token_hash=token_hash)
            finally:
                cursor.close()
        finally:
            connection.close()
    return SessionCursor(db.session).rows(_TOKEN_USER, token_hash=token_hash)


def user_for_token(token: str) -> User | None:
    """The active user a presented API token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    rows = _token_rows(_digest(token))
    if not rows:
        return None
    user = persistent(db.session, User, rows[0]._asdict())
    return user if user.active else None


def check_password(email: str, password: str) -> User | None:
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    return user


def open_login_session(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            id=new_id("ses"), user_id=user.id, token_hash=_digest(token), created_at=utcnow()
        )
    )
    record("session.opened", "user", user.id, actor_id=user.id)
    user.login_session_token = token
    return token


def user_for_login_session(token: str) -> User | None:
    user = db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _digest(token), LoginSession.revoked_at.is_(None))
    ).scalar_one_or_none()
    if user is None or not user.active:
        return None
    user.login_session_token = token
    return user


def close_login_session(user: User) -> None:
    if not user.login_session_token:
        return
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _digest(user.login_session_token))
        .values(revoked_at=utcnow())
    )
    record("session.closed", "user", user.id, actor_id=user.id)
