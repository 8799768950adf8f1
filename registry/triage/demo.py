"""Demo records for triage: two tools (one under an enterprise agreement that passes T4, one
public tool that fails it), a vendor pipeline with a failing stage, and three declarations on
NH-01 (moodboards: low; a poster mock-up: caution, with a temporary asset; the poster on
camera in the final cut: escalated, waiting for legal). The demo legal user becomes NH-01's
studio contact.
"""

from __future__ import annotations

from typing import Any

from registry.accounts.models import User
from registry.core.clock import utcnow
from registry.core.hashing import sha256_hex
from registry.productions import services as productions
from registry.productions.models import Production
from registry.triage import assets, declarations, tools

YES = {p: "yes" for p in ("p1", "p2", "p3", "p4", "p5")}


def seed_triage(users: dict[str, User], prods: dict[str, Production]) -> None:
    legal, lead = users["legal"], users["vfx_lead"]
    harbour = prods["NH-01"]
    productions.add_member(harbour, legal.id, actor_id=None)
    now = utcnow()
    secure = tools.create_tool(
        {"name": "StudioGen Enterprise", "vendor": "StudioGen", "plan": "Enterprise",
         "stores_inputs": "no", "trains_on_inputs": "no", "enterprise_agreement": "yes",
         "terms_note": "Enterprise agreement of 2026: no retention, no training."},
        user=legal, now=now,
    )  # fmt: skip
    public = tools.create_tool(
        {"name": "PublicImage", "vendor": "PublicImage Inc.", "plan": "Free",
         "stores_inputs": "yes", "trains_on_inputs": "yes", "enterprise_agreement": "no",
         "terms_note": "Consumer terms: inputs may be kept and used for training."},
        user=legal, now=now,
    )  # fmt: skip
    tools.create_pipeline(
        {"name": "Harbour clean-up", "vendor": "Quay VFX",
         "stages": [{"tool_id": secure.id, "does": "plate clean-up"},
                    {"tool_id": public.id, "does": "upscaling"}]},
        user=lead, now=now,
    )  # fmt: skip

    def declare(**body: Any) -> str:
        data = {"production_id": harbour.id, "principles": YES, "tool_ids": [secure.id], **body}
        decl, _, _ = declarations.declare(data, user=lead, now=now)
        return decl.id

    declare(
        title="Moodboards for the harbour market",
        description="Reference images for the art department; never on camera.",
        category="ideation",
        output="temporary",
    )
    mockup = declare(
        title="Festival poster mock-up",
        description="A mock-up of the festival poster for the blocking rehearsal.",
        category="background_element",
        output="temporary",
    )
    assets.register(
        mockup,
        {"name": "poster_mockup_v1.png", "sha256": sha256_hex(b"demo poster mock-up"),
         "media_type": "image/png", "output": "temporary"},
        user=lead, now=now,
    )  # fmt: skip
    declare(
        title="Festival poster on camera",
        description="The festival poster in the market scene; the lead reads it aloud.",
        category="background_element",
        output="final",
        facts={"prominent": True, "story_relevant": True},
    )
