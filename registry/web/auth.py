"""Who is calling, through Flask-Login: bearer tokens for the API, login sessions for the
pages, and role checks.

Flask-Login loads the caller: its ``user_loader`` (a login session's cookie) serves the pages
and its ``request_loader`` (an ``Authorization: Bearer`` token) serves the API; ``registry.app``
wires both to the accounts feature, so this module needs none of it. Every blueprint installs
one of the two ``before_request`` hooks below, so a route is authenticated unless its view is
explicitly marked ``@public`` (the architecture test lists them).

May import: ``extensions`` (and, for type checking only, the accounts' ``User``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import abort, current_app, g, request
from flask_login import current_user

from registry.extensions import login_manager

if TYPE_CHECKING:
    from registry.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ATTR = "_registry_public"


def public(view: F) -> F:
    """Mark a view as reachable without authentication."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def _is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return False
    view_class = getattr(view, "view_class", None)
    return bool(getattr(view, PUBLIC_ATTR, False) or getattr(view_class, PUBLIC_ATTR, False))


def authenticate_api() -> None:
    """``before_request`` for JSON blueprints: a valid bearer token, or 401."""
    if _is_public() or request.method == "OPTIONS":
        return
    if not current_user.is_authenticated:
        abort(401, description="A valid API token is required (Authorization: Bearer <token>).")
    g.actor = current_user._get_current_object()


def authenticate_page() -> Any:
    """``before_request`` for HTML blueprints: a logged-in user, or the login page."""
    if _is_public():
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.actor = current_user._get_current_object()
    return None


def actor() -> User:
    """The authenticated user of this request (API or page)."""
    user = g.get("actor")
    if user is None or not getattr(user, "is_authenticated", False):
        abort(401)
    return cast("User", user)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Refuse (403) a caller whose role is not one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not actor().has_role(*roles):
                abort(403, description="Your role may not do this.")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
