"""Performer operations: create, update, representatives, search, erasure (crypto-shredding).

Personal fields are sealed under the performer's own data key before they reach the database;
audit events carry only ids and public fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Invalid, NotFound
from registry.core.ids import new_id
from registry.core.signals import performer_erased
from registry.extensions import db
from registry.performers.access import may_see_personal, represented_ids
from registry.performers.keystore import key_store
from registry.performers.models import Performer, PerformerRepresentative
from registry.performers.personal import PERSONAL_FIELDS, reveal, seal

PUBLIC_FIELDS = ("professional_name", "guild", "deceased")


def _public_content(performer: Performer) -> dict[str, Any]:
    return {
        "professional_name": performer.professional_name,
        "guild": performer.guild,
        "deceased": performer.deceased,
    }


def create_performer(data: dict[str, Any], *, actor: User | None) -> Performer:
    """A new performer with a data key of its own; a creating talent_rep represents them."""
    performer = Performer(
        id=new_id("prf"),
        professional_name=data["professional_name"],
        guild=data.get("guild") or None,
        deceased=bool(data.get("deceased", False)),
        data_key_id=key_store().create_key(),
        created_by=actor.id if actor else None,
        created_at=utcnow(),
    )
    seal(performer, {name: data.get(name) or None for name in PERSONAL_FIELDS})
    db.session.add(performer)
    db.session.flush()
    actor_id = actor.id if actor else None
    record(
        "performer.created",
        "performer",
        performer.id,
        _public_content(performer),
        actor_id=actor_id,
    )
    if actor is not None and actor.role == "talent_rep":
        _link(performer, actor.id, actor_id)
    return performer


def update_performer(
    performer: Performer, data: dict[str, Any], *, actor_id: str | None
) -> Performer:
    if performer.erased_at is not None:
        raise Conflict("This performer was erased; their record cannot change.")
    personal = {k: (data[k] or None) for k in PERSONAL_FIELDS if k in data}
    if "legal_name" in personal and personal["legal_name"] is None:
        raise Invalid("Some fields are invalid.", {"legal_name": ["May not be empty."]})
    for name in PUBLIC_FIELDS:
        if name in data:
            value = data[name]
            setattr(performer, name, (value or None) if name == "guild" else value)
    if personal:
        seal(performer, personal)
    db.session.flush()
    record(
        "performer.updated",
        "performer",
        performer.id,
        {"fields": sorted(data), **_public_content(performer)},
        actor_id=actor_id,
    )
    return performer


def _link(performer: Performer, user_id: str, actor_id: str | None) -> PerformerRepresentative:
    link = PerformerRepresentative(performer_id=performer.id, user_id=user_id, created_at=utcnow())
    db.session.add(link)
    db.session.flush()
    record(
        "performer.representative_added",
        "performer",
        performer.id,
        {"user_id": user_id},
        actor_id=actor_id,
    )
    return link


def add_representative(
    performer: Performer, user_id: str, *, actor_id: str | None
) -> PerformerRepresentative:
    user = db.session.get(User, user_id)
    if user is None or user.role != "talent_rep":
        raise Invalid("Some fields are invalid.", {"user_id": ["No talent_rep user with this id."]})
    if db.session.get(PerformerRepresentative, (performer.id, user_id)) is not None:
        raise Conflict("Already a representative.", {"user_id": ["Already represents them."]})
    return _link(performer, user_id, actor_id)


def representatives(performer_id: str) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .join(PerformerRepresentative, PerformerRepresentative.user_id == User.id)
            .where(PerformerRepresentative.performer_id == performer_id)
            .order_by(User.email)
        ).scalars()
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(user: User, q: str | None = None) -> Select[tuple[Performer]]:
    """Performers the caller may see, by name: reps only their own (and by legal name too)."""
    stmt = select(Performer).order_by(func.lower(Performer.professional_name), Performer.id)
    if user.role == "talent_rep":
        stmt = stmt.where(Performer.id.in_(represented_ids(user)))
    q = (q or "").strip()
    if q:
        pattern = f"%{_escape_like(q.lower())}%"
        by_name = func.lower(Performer.professional_name).like(pattern, escape="\\")
        legal_hits: list[str] = []
        if user.role == "talent_rep":
            # Legal names are encrypted: match them among the rep's own (few) performers.
            own = db.session.execute(
                select(Performer).where(Performer.id.in_(represented_ids(user)))
            ).scalars()
            for performer in own:
                personal = reveal(performer)
                if personal and q.lower() in (personal["legal_name"] or "").lower():
                    legal_hits.append(performer.id)
        stmt = stmt.where(or_(by_name, Performer.id.in_(legal_hits)) if legal_hits else by_name)
    return stmt


def view(user: User, performer: Performer) -> dict[str, Any]:
    """The performer as the caller may see it: personal fields only for admin and own reps."""
    out: dict[str, Any] = {
        "id": performer.id,
        "professional_name": performer.professional_name,
        "guild": performer.guild,
        "deceased": performer.deceased,
        "erased": performer.erased_at is not None,
        "erased_at": performer.erased_at,
        "created_at": performer.created_at,
    }
    if may_see_personal(user, performer.id):
        personal = reveal(performer) or dict.fromkeys(PERSONAL_FIELDS)
        out.update(personal)
        out["representatives"] = [
            {"user_id": u.id, "email": u.email, "name": u.name}
            for u in representatives(performer.id)
        ]
    return out


def erase_performer(performer_id: str, *, actor_id: str | None) -> Performer:
    """Crypto-shred a performer, first step: clear their ciphertexts here and (through
    ``performer_erased``) in every feature that keeps some, and keep a tombstone; flushes.
    ``destroy_data_key`` is the second step, after the commit.

    Consents, receipts and the audit trail stay as they are (they hold no personal data); the
    professional name, guild and deceased flag stay so that consents remain readable. Safe to
    run again: a second run finishes a destruction that an earlier run could not complete.
    """
    performer = db.session.get(Performer, performer_id)
    if performer is None:
        raise NotFound("No such performer.")
    already = performer.erased_at is not None
    if not already:
        performer.legal_name_ct = None
        performer.email_ct = None
        performer.phone_ct = None
        performer.erased_at = utcnow()
        db.session.flush()
        performer_erased.send(None, performer_id=performer.id)
        record(
            "performer.erased",
            "performer",
            performer.id,
            {"data_key_id": performer.data_key_id},
            actor_id=actor_id,
        )
    return performer


def destroy_data_key(performer: Performer, *, wait: float = 10.0) -> None:
    """Destroy the erased performer's data key in the key store (its own connection and
    transactions): every backup of the database becomes unreadable for them. Called once the
    tombstone is committed; ``KeyStoreBusy`` means "run the erasure again" (it is safe to)."""
    if performer.erased_at is None:
        raise Conflict("Erase the performer's record before destroying their data key.")
    key_store().destroy(performer.data_key_id, wait=wait)
