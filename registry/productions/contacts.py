"""A production's studio contacts: its active members with the legal role, or, when it has
none, the active admins. They hear of every GenAI use declared there and of refused attempts
to bind its models elsewhere.

May import: ``core``, ``extensions``, ``accounts`` (and the productions feature itself).
"""

from __future__ import annotations

from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.productions.models import ProductionMember


def studio_contacts(production_id: str) -> list[str]:
    """User ids: the production's active legal members, else the active admins."""
    legal = list(
        db.session.execute(
            select(User.id)
            .join(ProductionMember, ProductionMember.user_id == User.id)
            .where(
                ProductionMember.production_id == production_id,
                User.role == "legal",
                User.active.is_(True),
            )
        ).scalars()
    )
    if legal:
        return legal
    return list(
        db.session.execute(
            select(User.id).where(User.role == "admin", User.active.is_(True))
        ).scalars()
    )
