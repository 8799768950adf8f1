"""``flask users ...``: create users (printing a fresh API token last), revoke tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.accounts import services
from registry.accounts.models import Role, User
from registry.core.errors import ServiceError
from registry.transactions import discard, unit_of_work

users = AppGroup("users", help="Manage users and their API tokens.")


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="", help="Display name.")
@click.option("--password", default=None, help="Password for the pages (12+ characters).")
@unit_of_work()
def create(email: str, role: str, name: str, password: str | None) -> None:
    """Create a user; prints a new API token alone on the last line."""
    try:
        user = services.create_user(email, role, name, password, actor_id=None)
        token = services.issue_token(user, actor_id=None)
    except ServiceError as exc:
        discard()
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(f"{exc.message} {detail}".strip()) from exc
    click.echo(f"Created {user.role} {user.email} ({user.id}). API token:")
    click.echo(token)


def _user(email: str) -> User:
    try:
        return services.get_user_by_email(email)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc


@users.command("token")
@click.argument("email")
@unit_of_work()
def token(email: str) -> None:
    """Issue another API token for a user; printed alone on the last line."""
    user = _user(email)
    value = services.issue_token(user, actor_id=None)
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
    """Set the password a user signs in to the pages with."""
    user = _user(email)
    try:
        services.set_password(user, password, actor_id=None)
    except ServiceError as exc:
        discard()
        raise click.ClickException(exc.message) from exc
    click.echo(f"Password set for {user.email}.")
