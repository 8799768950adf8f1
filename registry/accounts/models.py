"""Users with one of five roles; API tokens, login sessions, second factors and recovery codes.

Tokens, login sessions and recovery codes are stored only as hashes; a second factor's TOTP
secret only encrypted (``registry.accounts.second_factor``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base, one_of


class Role(StrEnum):
    ADMIN = "admin"
    TALENT_REP = "talent_rep"
    VFX_LEAD = "vfx_lead"
    LEGAL = "legal"
    AUDITOR = "auditor"


SECOND_FACTOR_ROLES = frozenset({Role.ADMIN.value, Role.LEGAL.value})
"""Roles that must sign in to the pages with a second factor (API tokens are unaffected)."""

AWAITING = ("second_factor", "enrolment")
"""What a sign-in that passed its password still waits for (``LoginSession.awaiting``)."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name; None: UTC

    # Flask-Login protocol: the id it keeps in the cookie is the login session's token,
    # so that logging out (revoking that session row) makes a copied cookie useless.
    @property
    def login_session_token(self) -> str | None:
        return self.__dict__.get("_login_session_token")

    @login_session_token.setter
    def login_session_token(self, value: str | None) -> None:
        self.__dict__["_login_session_token"] = value

    @property
    def login_session_touch_due(self) -> bool:
        """Whether this request should move its login session's ``last_seen_at`` on."""
        return bool(self.__dict__.get("_login_session_touch_due", False))

    @login_session_touch_due.setter
    def login_session_touch_due(self, value: bool) -> None:
        self.__dict__["_login_session_touch_due"] = value

    @property
    def token_expires_at(self) -> datetime | None:
        """When the API token this request presented expires (None: it does not)."""
        return self.__dict__.get("_token_expires_at")

    @token_expires_at.setter
    def token_expires_at(self, value: datetime | None) -> None:
        self.__dict__["_token_expires_at"] = value

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.login_session_token

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class LoginSession(Base):
    """A browser's sign-in. ``expires_at`` is its absolute end, fixed when it opens;
    ``last_seen_at`` ends it when idle too long. A sign-in still ``awaiting`` its second factor
    (or the enrolment of one) is no session yet: it opens none of the pages."""

    __tablename__ = "login_sessions"
    __table_args__ = (one_of("awaiting", AWAITING, nullable=True),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    awaiting: Mapped[str | None] = mapped_column(String(20))


class SecondFactor(Base):
    """A user's TOTP authenticator: the secret (encrypted), when it was confirmed by a first
    code, and the last time step a code was accepted for (a code is never accepted twice)."""

    __tablename__ = "second_factors"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """A one-time recovery code, salted and hashed; ``used_at`` once it has been spent."""

    __tablename__ = "recovery_codes"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
