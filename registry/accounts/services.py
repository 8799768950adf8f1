"""Account operations: users and their roles, API tokens, passwords, login sessions.

Tokens and login sessions are random and stored only as SHA-256 hashes. Passwords use Argon2id
and must pass ``passwords.problems`` (long enough, not common or guessable).

A login session ends when its user signs out, after ``SESSION_IDLE_SECONDS`` without a request,
``SESSION_ABSOLUTE_SECONDS`` after it opened whatever happens meanwhile (both kept on its row:
a cookie signed again later, by a flash message say, extends neither), and when the user's
password or role changes or the user is revoked. A sign-in that passed its password but still
awaits its second factor is a row of its own (``awaiting``), valid ``PENDING_SIGN_IN``, that
opens no page. An API token may expire (``expires_at``).

Every operation appends its audit event; none commits (the caller does, once).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, bindparam, select, update

from registry.accounts import passwords
from registry.accounts.models import AWAITING, ApiToken, LoginSession, Role, User
from registry.appctx import setting
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Invalid, NotFound
from registry.core.ids import new_id
from registry.core.reads import Query, SessionCursor, persistent
from registry.extensions import db

_hasher = PasswordHasher()
TOKEN_PREFIX = "reg_"
TOUCH_EVERY = timedelta(seconds=60)
"""A session's ``last_seen_at`` moves on at most this often (the idle timeout's precision)."""
PENDING_SIGN_IN = timedelta(minutes=10)
"""How long a sign-in that passed its password may take to give its second factor."""


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
    User.time_zone,
)
# Every API call runs this: one fixed, indexed SELECT (``registry.core.reads``), not an ORM query.
_TOKEN_USER = Query(
    select(*_USER_COLUMNS, ApiToken.expires_at.label("token_expires_at"))
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _roles() -> set[str]:
    return {r.value for r in Role}


def create_user(
    email: str, role: str, name: str = "", password: str | None = None, *, actor_id: str | None
) -> User:
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        errors["email"] = ["Not a valid e-mail address."]
    if role not in _roles():
        errors["role"] = [f"Must be one of: {', '.join(r.value for r in Role)}."]
    if password is not None:
        found = passwords.problems(password, user_inputs=(email, name))
        if found:
            errors["password"] = found
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


def user_id_for_email(email: str) -> str | None:
    return db.session.execute(
        select(User.id).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def set_password(user: User, password: str, *, actor_id: str | None) -> None:
    """Set the user's password and end every session they have open."""
    found = passwords.problems(password, user_inputs=(user.email, user.name))
    if found:
        raise Invalid("The password was refused.", {"password": found})
    user.password_hash = _hasher.hash(password)
    record("user.password_set", "user", user.id, actor_id=actor_id)
    end_login_sessions(user, "password_changed", actor_id=actor_id)


def set_role(user: User, role: str, *, actor_id: str | None) -> bool:
    """Give the user another role and end every session they have open; False if unchanged."""
    if role not in _roles():
        raise Invalid(
            "The role was refused.",
            {"role": [f"Must be one of: {', '.join(r.value for r in Role)}."]},
        )
    if role == user.role:
        return False
    user.role = role
    record("user.role_changed", "user", user.id, {"role": role}, actor_id=actor_id)
    end_login_sessions(user, "role_changed", actor_id=actor_id)
    return True


def revoke_user(user: User, *, actor_id: str | None) -> bool:
    """Deactivate the user: every token revoked, every session ended; False if already so."""
    if not user.active:
        return False
    user.active = False
    record("user.revoked", "user", user.id, actor_id=actor_id)
    revoke_tokens(user, actor_id=actor_id)
    end_login_sessions(user, "user_revoked", actor_id=actor_id)
    return True


def issue_token(user: User, *, actor_id: str | None, expires_in: timedelta | None = None) -> str:
    """A new API token, valid for ``expires_in`` (None: until revoked); the plaintext is
    returned once and never stored."""
    if expires_in is not None and expires_in <= timedelta(0):
        raise Invalid("The token was refused.", {"expires_in": ["Must be longer than 0."]})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        id=new_id("tok"),
        user_id=user.id,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    content: dict[str, Any] = {"token_id": row.id}
    if row.expires_at is not None:
        content["expires_at"] = row.expires_at.isoformat()
    record("token.issued", "user", user.id, content, actor_id=actor_id)
    return token


def token_expiry(token: str) -> datetime | None:
    """When a token expires (None: never, or no such token)."""
    return db.session.execute(
        select(ApiToken.expires_at).where(ApiToken.token_hash == _digest(token))
    ).scalar_one_or_none()


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
    """The active user a presented API token belongs to, or None (also once it expired)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    rows = _token_rows(_digest(token))
    if not rows:
        return None
    values = rows[0]._asdict()
    expires_at = values.pop("token_expires_at")
    if expires_at is not None and expires_at <= utcnow():
        return None
    user = persistent(db.session, User, values)
    if not user.active:
        return None
    user.token_expires_at = expires_at
    return user


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


def _idle() -> timedelta:
    return timedelta(seconds=int(setting("SESSION_IDLE_SECONDS")))


def _absolute() -> timedelta:
    return timedelta(seconds=int(setting("SESSION_ABSOLUTE_SECONDS")))


def _new_session(user: User, awaiting: str | None, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        LoginSession(
            id=new_id("ses"),
            user_id=user.id,
            token_hash=_digest(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            awaiting=awaiting,
        )
    )
    return token


def open_login_session(user: User, *, second_factor: str | None = None) -> str:
    """A session for the pages (after the password and, where needed, the second factor)."""
    token = _new_session(user, None, _absolute())
    content = {"second_factor": second_factor} if second_factor else None
    record("session.opened", "user", user.id, content, actor_id=user.id)
    user.login_session_token = token
    return token


def open_pending_sign_in(user: User, awaiting: str) -> str:
    """A sign-in that passed its password and awaits ``awaiting`` (no session yet)."""
    if awaiting not in AWAITING:
        raise ValueError(f"a sign-in awaits one of {AWAITING}, not {awaiting!r}")
    return _new_session(user, awaiting, PENDING_SIGN_IN)


def pending_sign_in(token: str | None) -> tuple[User, str] | None:
    """The user of a sign-in still awaiting its second factor, and what it awaits."""
    if not token:
        return None
    row = db.session.execute(
        select(User, LoginSession.awaiting, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == _digest(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.awaiting.is_not(None),
        )
    ).first()
    if row is None:
        return None
    user: User = row[0]
    awaiting, expires_at = row[1], row[2]
    if expires_at <= utcnow() or not user.active or awaiting is None:
        return None
    return user, str(awaiting)


def close_pending_sign_in(token: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(
            LoginSession.token_hash == _digest(token),
            LoginSession.awaiting.is_not(None),
            LoginSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def user_for_login_session(token: str) -> User | None:
    """The user of an open session: not signed out or ended, not idle longer than
    ``SESSION_IDLE_SECONDS``, not older than ``SESSION_ABSOLUTE_SECONDS``."""
    row = db.session.execute(
        select(User, LoginSession.last_seen_at, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == _digest(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.awaiting.is_(None),
        )
    ).first()
    if row is None:
        return None
    user: User = row[0]
    last_seen_at, expires_at = row[1], row[2]
    now = utcnow()
    if not user.active or expires_at <= now or last_seen_at + _idle() <= now:
        return None
    user.login_session_token = token
    user.login_session_touch_due = now - last_seen_at >= TOUCH_EVERY
    return user


def touch_login_session(user: User) -> None:
    """Move the session's ``last_seen_at`` on to now (what the idle timeout reads)."""
    user.login_session_touch_due = False
    if not user.login_session_token:
        return
    db.session.execute(
        update(LoginSession)
        .where(
            LoginSession.token_hash == _digest(user.login_session_token),
            LoginSession.revoked_at.is_(None),
        )
        .values(last_seen_at=utcnow())
    )


def close_login_session(user: User) -> None:
    if not user.login_session_token:
        return
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _digest(user.login_session_token))
        .values(revoked_at=utcnow())
    )
    record("session.closed", "user", user.id, actor_id=user.id)


def end_login_sessions(user: User, reason: str, *, actor_id: str | None) -> int:
    """End every session (and sign-in in progress) of the user; how many there were."""
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        record(
            "user.sessions_ended",
            "user",
            user.id,
            {"reason": reason, "count": count},
            actor_id=actor_id,
        )
    return count
