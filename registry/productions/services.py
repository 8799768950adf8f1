"""Create and edit productions (their phase too), add and remove members (admin); each change
is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Invalid, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.productions.models import Production, ProductionMember


def create_production(data: dict[str, Any], *, actor_id: str | None) -> Production:
    if db.session.execute(select(Production.id).where(Production.code == data["code"])).first():
        raise Conflict("A production with this code exists.", {"code": ["Already taken."]})
    production = Production(
        id=new_id("prd"),
        title=data["title"],
        code=data["code"],
        kind=data.get("kind", "production"),
        phase=data.get("phase", "development"),
        webhook_url=data.get("webhook_url"),
        created_at=utcnow(),
    )
    db.session.add(production)
    db.session.flush()
    record(
        "production.created",
        "production",
        production.id,
        {"code": production.code, "kind": production.kind},
        actor_id=actor_id,
    )
    return production


def add_member(production: Production, user_id: str, *, actor_id: str | None) -> ProductionMember:
    user = db.session.get(User, user_id)
    if user is None:
        raise Invalid("No such user.", {"user_id": ["No user with this id."]})
    if db.session.get(ProductionMember, (production.id, user_id)) is not None:
        raise Conflict("Already a member.", {"user_id": ["Already a member of this production."]})
    member = ProductionMember(production_id=production.id, user_id=user_id, created_at=utcnow())
    db.session.add(member)
    db.session.flush()
    record(
        "production.member_added",
        "production",
        production.id,
        {"user_id": user_id},
        actor_id=actor_id,
    )
    return member


EDITABLE = ("title", "code", "kind", "phase", "webhook_url")


def update_production(
    production: Production, data: dict[str, Any], *, actor_id: str | None
) -> list[str]:
    """Change the production's title, code, kind, phase or webhook; the names of the fields
    that changed (none: nothing is written or audited)."""
    code = data.get("code", production.code)
    if (
        code != production.code
        and db.session.execute(
            select(Production.id).where(Production.code == code, Production.id != production.id)
        ).first()
    ):
        raise Conflict("A production with this code exists.", {"code": ["Already taken."]})
    changed = []
    for name in EDITABLE:
        if name in data and data[name] != getattr(production, name):
            setattr(production, name, data[name])
            changed.append(name)
    if not changed:
        return []
    db.session.flush()
    record(
        "production.updated",
        "production",
        production.id,
        {
            "fields": changed,
            "code": production.code,
            "kind": production.kind,
            "phase": production.phase,
        },
        actor_id=actor_id,
    )
    return changed


def remove_member(production: Production, user_id: str, *, actor_id: str | None) -> None:
    """The user is no longer a member (a vfx_lead then no longer sees the production)."""
    member = db.session.get(ProductionMember, (production.id, user_id))
    if member is None:
        raise NotFound("Not a member of this production.")
    db.session.delete(member)
    db.session.flush()
    record(
        "production.member_removed",
        "production",
        production.id,
        {"user_id": user_id},
        actor_id=actor_id,
    )
