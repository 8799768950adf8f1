"""Who may see which production: vfx_leads only their own; every other role all of them."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from registry.accounts.models import User
from registry.core.errors import NotFound
from registry.core.reads import Query, SessionCursor
from registry.extensions import db
from registry.productions.models import Production, ProductionMember

# On every vfx_lead's request: one fixed primary-key look-up (``registry.core.reads``).
_MEMBER = Query(
    select(ProductionMember.user_id).where(
        ProductionMember.production_id == bindparam("production_id"),
        ProductionMember.user_id == bindparam("user_id"),
    )
)


def is_member(user: User, production_id: str) -> bool:
    return bool(
        SessionCursor(db.session).rows(_MEMBER, production_id=production_id, user_id=user.id)
    )


def member_production_ids(user: User) -> list[str]:
    return list(
        db.session.execute(
            select(ProductionMember.production_id).where(ProductionMember.user_id == user.id)
        ).scalars()
    )


def can_see_production(user: User, production_id: str) -> bool:
    if user.role == "vfx_lead":
        return is_member(user, production_id)
    return True


def visible_production(user: User, production_id: str) -> Production:
    """The production, or NotFound if it does not exist or the caller may not see it."""
    production = db.session.get(Production, production_id)
    if production is None or not can_see_production(user, production_id):
        raise NotFound("No such production.")
    return production
