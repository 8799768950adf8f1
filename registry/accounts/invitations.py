"""Invitations and password resets: single-use, expiring links sent by e-mail.

An admin invites a person (e-mail, name, role): the user is created without a password and gets
a link, valid ``INVITATION_LIFETIME``, to set one. An admin may send an existing user a password
reset link, valid ``RESET_LIFETIME``. The password set through either obeys the password rule
(``registry.accounts.passwords``) and ends every session of the user; admin and legal then
enrol their second factor at their first sign-in, as everyone of those roles does.

A link's token is random and stored only as its SHA-256 (``AccountLink``); a link works once,
not after it expired, not after a newer link of the same user replaced it, and not once the
user is revoked. Its path (``/welcome/<token>``, ``/reset-password/<token>``) is redacted from
the logs (``registry.web.access_log``).

The message is sent by the app's mailer (``REGISTRY_SMTP_URL``; ``registry.app`` registers it
as ``app.extensions["registry.send_mail"]``) inside the caller's transaction: if it cannot be
sent, the caller rolls back and nothing is left half-written. Every step is audited; none
commits.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select, update

from registry.accounts import services
from registry.accounts.link_models import AccountLink
from registry.accounts.models import User
from registry.appctx import setting
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Invalid
from registry.core.ids import new_id
from registry.extensions import db

INVITATION_LIFETIME = timedelta(hours=72)
RESET_LIFETIME = timedelta(hours=1)
LIFETIMES = {"invitation": INVITATION_LIFETIME, "password_reset": RESET_LIFETIME}
PATHS = {"invitation": "/welcome/", "password_reset": "/reset-password/"}
SUBJECTS = {
    "invitation": "You are invited to the talent consent registry",
    "password_reset": "Reset your password for the talent consent registry",
}
TEMPLATES = {"invitation": "emails/invitation", "password_reset": "emails/password_reset"}
MAIL_NOT_CONFIGURED = (
    "E-mail is not configured (REGISTRY_SMTP_URL), so no link can be sent. Nothing was changed."
)
GONE = (
    "This link does not work any more: it was used already, it expired, or a newer one "
    "replaced it. Ask an admin for a new one."
)
MAIL_FAILED = "The e-mail could not be sent ({reason}). Nothing was changed; try again."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(purpose: str, token: str) -> str:
    return str(setting("BASE_URL")).rstrip("/") + PATHS[purpose] + token


def _mailer() -> Callable[[str, EmailMessage], None]:
    sender: Callable[[str, EmailMessage], None] = current_app.extensions["registry.send_mail"]
    return sender


def _send(user: User, purpose: str, token: str, expires_in: timedelta) -> None:
    url = setting("SMTP_URL")
    if not url:
        raise Conflict(MAIL_NOT_CONFIGURED)
    hours = int(expires_in.total_seconds() // 3600)
    context: dict[str, Any] = {"user": user, "url": link_url(purpose, token), "hours": hours}
    message = EmailMessage()
    message["From"] = str(setting("MAIL_FROM"))
    message["To"] = user.email
    message["Subject"] = SUBJECTS[purpose]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="registry")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(TEMPLATES[purpose] + ".txt", **context))
    message.add_alternative(render_template(TEMPLATES[purpose] + ".html", **context), "html")
    try:
        _mailer()(str(url), message)
    except (OSError, ValueError) as exc:
        raise Conflict(MAIL_FAILED.format(reason=type(exc).__name__)) from exc


def issue_link(user: User, purpose: str, *, actor_id: str | None) -> str:
    """A new link (earlier unused links of the user stop working); its token, once."""
    now = utcnow()
    db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.used_at.is_(None),
            AccountLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    link = AccountLink(
        id=new_id("lnk"),
        user_id=user.id,
        purpose=purpose,
        token_hash=_digest(token),
        created_by=actor_id,
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    db.session.add(link)
    db.session.flush()
    record(
        "user.link_sent",
        "user",
        user.id,
        {"link_id": link.id, "purpose": purpose, "expires_at": link.expires_at.isoformat()},
        actor_id=actor_id,
    )
    return token


def issue_and_send(user: User, purpose: str, *, actor_id: str | None) -> None:
    token = issue_link(user, purpose, actor_id=actor_id)
    _send(user, purpose, token, LIFETIMES[purpose])


def invite(email: str, role: str, name: str, *, actor_id: str | None) -> User:
    """A new user without a password, and their invitation sent by e-mail."""
    if not setting("SMTP_URL"):
        raise Conflict(MAIL_NOT_CONFIGURED)
    user = services.create_user(email, role, name, None, actor_id=actor_id)
    record("user.invited", "user", user.id, {"role": role}, actor_id=actor_id)
    issue_and_send(user, "invitation", actor_id=actor_id)
    return user


def send_reset(user: User, *, actor_id: str | None) -> None:
    """A password reset link for an active user, by e-mail (their password works until the
    link is used)."""
    if not user.active:
        raise Conflict("This user is revoked: they cannot be sent a link.")
    issue_and_send(user, "password_reset", actor_id=actor_id)


def valid_link(token: str, purpose: str) -> tuple[AccountLink, User] | None:
    """The link and its user, if the token opens one: not used, replaced or expired, and its
    user still active."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        select(AccountLink, User)
        .join(User, User.id == AccountLink.user_id)
        .where(AccountLink.token_hash == _digest(token), AccountLink.purpose == purpose)
    ).first()
    if row is None:
        return None
    link, user = row[0], row[1]
    if (
        link.used_at is not None
        or link.revoked_at is not None
        or link.expires_at <= utcnow()
        or not user.active
    ):
        return None
    return link, user


def use_link(token: str, purpose: str, password: str) -> User:
    """Set the password through the link, which is spent (the first of two concurrent uses
    wins). Raises ``Invalid`` (the password rule, or a link that no longer works)."""
    found = valid_link(token, purpose)
    if found is None:
        raise Invalid(GONE, {"link": [GONE]})
    link, user = found
    spent = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if int(getattr(spent, "rowcount", 0) or 0) != 1:
        raise Invalid(GONE, {"link": [GONE]})
    services.set_password(user, password, actor_id=user.id)
    record(
        "user.link_used",
        "user",
        user.id,
        {"link_id": link.id, "purpose": purpose},
        actor_id=user.id,
    )
    return user
