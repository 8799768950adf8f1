"""Single-use, expiring links that let a person set their password: the invitation a new user
gets by e-mail, and a password reset an admin sends. Only the SHA-256 of a link's token is
stored (``registry.accounts.invitations`` makes and spends them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base, one_of

PURPOSES = ("invitation", "password_reset")


class AccountLink(Base):
    """A link sent by e-mail. It works once (``used_at``), until ``expires_at``, and not after
    a newer link of the same user replaced it or the user was revoked (``revoked_at``)."""

    __tablename__ = "account_links"
    __table_args__ = (one_of("purpose", PURPOSES),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
