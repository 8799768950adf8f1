"""Demo records for the gate: two models on NH-01 (one blocked by an uncleared source, one
clean) and a few requests with their decisions, for the consent registry's demo performers.

Runs after the consent registry's demo seeder (it needs performers with consents on NH-01);
when there are none it does nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from registry.accounts.models import User
from registry.consents.models import ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.hashing import sha256_hex
from registry.extensions import db
from registry.gate.enhancement_models import services as models
from registry.gate.use_requests import services as requests
from registry.performers.models import Performer
from registry.productions.models import Production


def _with(production_id: str, *purposes: str) -> list[Performer]:
    """Performers with a current, unrevoked consent on the production (for these purposes, if
    any are given), by name."""
    ids = select(ConsentVersion.performer_id).where(
        ConsentVersion.production_id == production_id,
        ConsentVersion.superseded_at.is_(None),
        ConsentVersion.revoked_at.is_(None),
    )
    if purposes:
        ids = ids.join(
            ConsentPurpose,
            (ConsentPurpose.performer_id == ConsentVersion.performer_id)
            & (ConsentPurpose.production_id == ConsentVersion.production_id)
            & (ConsentPurpose.version_id == ConsentVersion.id),
        ).where(ConsentPurpose.purpose.in_(purposes))
    return list(
        db.session.execute(
            select(Performer).where(Performer.id.in_(ids)).order_by(Performer.professional_name)
        ).scalars()
    )


def seed_gate(users: dict[str, User], prods: dict[str, Production]) -> None:
    nh, pitch = prods.get("NH-01"), prods.get("NH-PITCH")
    vfx = users.get("vfx_lead")
    if nh is None or vfx is None:
        return
    anyone = _with(nh.id)
    if not anyone:
        return  # the consent registry's demo performers are not there: nothing to show
    now = utcnow()
    replica_people = _with(nh.id, "digital_replica") or anyone
    altered_people = _with(nh.id, "visual_adr", "digital_alteration") or anyone
    trained_people = _with(nh.id, "model_training") or anyone
    blocked = models.register_model(
        {
            "name": "Night Harbour de-ageing v1",
            "production_id": nh.id,
            "performer_ids": [replica_people[0].id],
            "training_sources": [
                {"description": "Principal photography dailies", "clearance": "owned"},
                {"description": "Archive interviews, licence pending", "clearance": "uncleared"},
            ],
            "scope": "De-ageing in the flashback scenes agreed with the talent",
            "fingerprint_sha256": sha256_hex(b"demo: night harbour de-ageing v1"),
            "vendor": "Pixel Yard",
        },
        user=vfx,
        now=now,
    )
    clean = models.register_model(
        {
            "name": "Night Harbour voice clean-up",
            "production_id": nh.id,
            "performer_ids": [trained_people[0].id],
            "training_sources": [{"description": "ADR session recordings", "clearance": "owned"}],
            "scope": "Voice clean-up of ADR lines, this production only",
            "fingerprint_sha256": sha256_hex(b"demo: night harbour voice clean-up"),
            "vendor": "Sound Forge Ltd",
        },
        user=vfx,
        now=now,
    )
    asks: list[dict[str, object]] = [
        {
            "kind": "alteration",
            "performer_id": anyone[0].id,
            "media": ["voice"],
            "description": "Noise reduction on the harbour dialogue, scene 7",
            "facts": {"changes": ["noise_reduction"]},
        },
        {
            "kind": "alteration",
            "performer_id": altered_people[0].id,
            "media": ["likeness"],
            "description": "Visual ADR: new line in the pier argument, scene 12",
            "facts": {"new_dialogue": True},
        },
        {
            "kind": "replica.create",
            "performer_id": replica_people[0].id,
            "media": ["likeness"],
            "description": "Digital double for the pier fall, scene 31",
            "facts": {},
        },
        {
            "kind": "model.use",
            "model_id": blocked.id,
            "media": ["likeness"],
            "description": "Flashback, episode 2",
            "facts": {},
        },
    ]
    if pitch is not None:
        asks.append(
            {
                "kind": "model.use",
                "model_id": clean.id,
                "production_id": pitch.id,
                "media": ["voice"],
                "description": "Sequel pitch reel",
                "facts": {},
            }
        )
    for ask in asks:
        data = {"production_id": nh.id, "performer_id": None, **ask}
        requests.submit_request(data, user=vfx, now=now)
