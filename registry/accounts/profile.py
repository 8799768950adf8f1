"""A person's own settings: their time zone (an IANA name; none means UTC).

The time zone is a display preference, not an audited record field: changing it appends an
audit event all the same, so that who changed what stays visible. Flushes, never commits.

May import registry.core, registry.audit.trail, registry.extensions and the accounts models.
"""

from __future__ import annotations

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.errors import Invalid
from registry.core.zones import DEFAULT_ZONE, valid_zone
from registry.extensions import db


def set_time_zone(user: User, name: str, *, actor_id: str | None) -> User:
    """Set ``user``'s zone to ``name`` (``UTC`` clears it); an unknown name is refused."""
    name = (name or "").strip()
    if not valid_zone(name):
        raise Invalid(
            "Choose a time zone from the list", {"time_zone": ["Choose a time zone from the list"]}
        )
    user.time_zone = None if name == DEFAULT_ZONE else name
    record("user.time_zone_set", "user", user.id, {"time_zone": name}, actor_id=actor_id)
    db.session.flush()
    return user
