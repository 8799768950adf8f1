"""Who represents a performer: an admin assigns a talent rep (``services.add_representative``)
and removes one here. A removed rep no longer sees the performer, their personal fields or
their consents. Audited; nothing commits."""

from __future__ import annotations

from sqlalchemy import select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.errors import NotFound
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative


def remove_representative(performer: Performer, user_id: str, *, actor_id: str | None) -> None:
    link = db.session.get(PerformerRepresentative, (performer.id, user_id))
    if link is None:
        raise NotFound("Not a representative of this performer.")
    db.session.delete(link)
    db.session.flush()
    record(
        "performer.representative_removed",
        "performer",
        performer.id,
        {"user_id": user_id},
        actor_id=actor_id,
    )


def assignable_reps(performer: Performer) -> list[User]:
    """Active talent reps who do not represent the performer yet, by name."""
    already = select(PerformerRepresentative.user_id).where(
        PerformerRepresentative.performer_id == performer.id
    )
    return list(
        db.session.execute(
            select(User)
            .where(User.role == "talent_rep", User.active.is_(True), User.id.not_in(already))
            .order_by(User.name, User.email)
        ).scalars()
    )
