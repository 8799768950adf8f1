"""``flask users ...``: create users (printing a fresh API token last), revoke tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.accounts import services
from registry.accounts.models import Role, User
from registry.core.errors import ServiceError
from registry.extensions import db

users = AppGroup("users", help="Manage users and their API tokens.")


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="", help="Display name.")
@click.option("--password", default=None, help="Password for the pages (12+ characters).")
def create(email: str, role: str, name: str, password: str | None) -> None:
    """Create a user; prints a new API token alone on the last line."""
    try:
        user = services.create_user(email, role, name, password, actor_id=None)
        token = services.issue_token(user, actor_id=None)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
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
def token(email: str) -> None:
    """Issue another API token for a user; printed alone on the last line."""
    user = _user(email)
    value = services.issue_token(user, actor_id=None)
    db.session.commit()
    click.echo(value)


@users.command("revoke-token")
@click.argument("email")
def revoke_token(email: str) -> None:
    """Revoke every API token of a user."""
    user = _user(email)
    count = services.revoke_tokens(user, actor_id=None)
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {user.email}.")


@users.command("set-password")
@click.argument("email")
@click.password_option()
def set_password(email: str, password: str) -> None:
    """Set the password a user signs in to the pages with."""
    user = _user(email)
    try:
        services.set_password(user, password, actor_id=None)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Password set for {user.email}.")
