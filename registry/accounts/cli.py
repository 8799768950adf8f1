"""``flask users ...``: create users (printing a fresh API token last), issue tokens (with an
optional expiry) and revoke them, set passwords and roles, revoke users, reset second factors."""

from __future__ import annotations

import re
from datetime import timedelta

import click
from flask.cli import AppGroup

from registry.accounts import second_factor, services
from registry.accounts.models import Role, User
from registry.core.errors import ServiceError
from registry.transactions import discard, unit_of_work

users = AppGroup("users", help="Manage users and their API tokens.")

_DURATION = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``45s``, ``2w``: a positive whole number and one unit."""
    match = _DURATION.match(value)
    if match is None or int(match.group(1)) == 0:
        raise click.BadParameter(
            f"{value!r} is not a duration: a whole number above 0 and one unit of "
            "s, m, h, d, w (e.g. 90d, 12h)",
            param_hint="'--expires-in'",
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _refusal(exc: ServiceError) -> click.ClickException:
    discard()
    detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
    return click.ClickException(f"{exc.message} {detail}".strip())


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="", help="Display name.")
@click.option(
    "--password",
    default=None,
    help="Password for the pages (12+ characters, not common or guessable).",
)
@unit_of_work()
def create(email: str, role: str, name: str, password: str | None) -> None:
    """Create a user; prints a new API token alone on the last line."""
    try:
        user = services.create_user(email, role, name, password, actor_id=None)
        token = services.issue_token(user, actor_id=None)
    except ServiceError as exc:
        raise _refusal(exc) from exc
    click.echo(f"Created {user.role} {user.email} ({user.id}). API token:")
    click.echo(token)


def _user(email: str) -> User:
    try:
        return services.get_user_by_email(email)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc


@users.command("token")
@click.argument("email")
@click.option(
    "--expires-in",
    "expires_in",
    default=None,
    metavar="DURATION",
    help="Let the token expire after this long: 90d, 12h, 30m, 2w (default: never).",
)
@unit_of_work()
def token(email: str, expires_in: str | None) -> None:
    """Issue another API token for a user; printed alone on the last line."""
    lifetime = parse_duration(expires_in) if expires_in is not None else None
    user = _user(email)
    try:
        value = services.issue_token(user, actor_id=None, expires_in=lifetime)
    except ServiceError as exc:
        raise _refusal(exc) from exc
    if lifetime is not None:
        expires_at = services.token_expiry(value)
        assert expires_at is not None
        click.echo(f"Expires at {expires_at.isoformat(timespec='seconds')}.")
    click.echo(value)


@users.command("revoke-token")
@click.argument("email")
@unit_of_work()
def revoke_token(email: str) -> None:
    """Revoke every API token of a user."""
    user = _user(email)
    count = services.revoke_tokens(user, actor_id=None)
    click.echo(f"Revoked {count} token(s) of {user.email}.")


@users.command("set-password")
@click.argument("email")
@click.password_option()
@unit_of_work()
def set_password(email: str, password: str) -> None:
    """Set the password a user signs in to the pages with; ends all their sessions."""
    user = _user(email)
    try:
        services.set_password(user, password, actor_id=None)
    except ServiceError as exc:
        raise _refusal(exc) from exc
    click.echo(f"Password set for {user.email}; their sessions have ended.")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@unit_of_work()
def set_role(email: str, role: str) -> None:
    """Give a user another role; ends all their sessions."""
    user = _user(email)
    if services.set_role(user, role, actor_id=None):
        click.echo(f"{user.email} is now {role}; their sessions have ended.")
    else:
        click.echo(f"{user.email} is {role} already.")


@users.command("revoke")
@click.argument("email")
@unit_of_work()
def revoke(email: str) -> None:
    """Revoke a user: they can no longer sign in or use a token; all sessions end."""
    user = _user(email)
    if services.revoke_user(user, actor_id=None):
        click.echo(f"Revoked {user.email}: tokens revoked, sessions ended.")
    else:
        click.echo(f"{user.email} was revoked already.")


@users.command("reset-second-factor")
@click.argument("email")
@unit_of_work()
def reset_second_factor(email: str) -> None:
    """Forget a user's authenticator and recovery codes (a lost phone): they add one again
    at their next sign-in; their sessions end."""
    user = _user(email)
    found = second_factor.reset(user, actor_id=None)
    services.end_login_sessions(user, "second_factor_reset", actor_id=None)
    if found:
        click.echo(f"Second factor of {user.email} reset; they enrol again at their next sign-in.")
    else:
        click.echo(f"{user.email} had no second factor.")
