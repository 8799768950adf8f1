"""Who may see which performer, and who may see a performer's personal data.

admin: every performer, with personal data. talent_rep: only the performers they represent,
with personal data; any other performer is answered exactly like a missing one. vfx_lead and
legal: every performer's public fields (professional name, guild, deceased), never personal
data. auditor: none.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from registry.accounts.models import User
from registry.core.errors import NotFound
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative

READ_ROLES = ("admin", "talent_rep", "vfx_lead", "legal")
CHANGE_ROLES = ("admin", "talent_rep")


def represents(user: User, performer_id: str) -> bool:
    return (
        db.session.get(PerformerRepresentative, (performer_id, user.id)) is not None
        if user.role == "talent_rep"
        else False
    )


def represented_ids(user: User) -> Select[tuple[str]]:
    """A sub-select of the ids of the performers ``user`` represents."""
    return select(PerformerRepresentative.performer_id).where(
        PerformerRepresentative.user_id == user.id
    )


def can_read(user: User, performer_id: str) -> bool:
    if user.role == "talent_rep":
        return represents(user, performer_id)
    return user.role in READ_ROLES


def can_change(user: User, performer_id: str) -> bool:
    """May record, amend and revoke consents and edit the performer (admin, own rep)."""
    return user.role == "admin" or (user.role == "talent_rep" and represents(user, performer_id))


def may_see_personal(user: User, performer_id: str) -> bool:
    return can_change(user, performer_id)


def visible_performer(user: User, performer_id: str) -> Performer:
    """The performer, or NotFound when it does not exist or is not the caller's to see."""
    performer = db.session.get(Performer, performer_id)
    if performer is None or not can_read(user, performer_id):
        raise NotFound("No such performer.")
    return performer


def changeable_performer(user: User, performer_id: str) -> Performer:
    """The performer if the caller may act for them; NotFound otherwise (never a 403 leak)."""
    performer = db.session.get(Performer, performer_id)
    if performer is None or not can_change(user, performer_id):
        raise NotFound("No such performer.")
    return performer
