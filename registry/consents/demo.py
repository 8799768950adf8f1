"""Demo records for the consent registry: performers represented by rep@demo.test (one a guild
member, one deceased with an estate-signed consent), consents on NH-01 and GO-02 (one expiring
in 5 days, one in 25, one amended, one revoked) with their signed documents, and one performer
of rep2@demo.test (whom rep@demo.test cannot see)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from registry.accounts.models import User
from registry.consents import evidence, services
from registry.core.clock import utcnow
from registry.core.hashing import sha256_hex
from registry.performers import services as performers
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.web import uploads


def _document(title: str) -> bytes:
    """A small, valid PDF standing in for the signed consent form."""
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 40 760 Td (Signed consent - {text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _consent(
    rep: User, performer: Performer, production: Production, days: int, **fields: Any
) -> str:
    now = utcnow()
    document = _document(f"{performer.professional_name}, {production.code}, {fields['purposes']}")
    data = {
        "performer_id": performer.id,
        "production_id": production.id,
        "media": ["likeness"],
        "signed_by": "performer",
        "signed_at": now - timedelta(days=40),
        "effective_from": None,
        "evidence_sha256": sha256_hex(document),
        "guild_compliant": True,
        "restrictions": None,
        "expires_at": now + timedelta(days=days),
        **fields,
    }
    version = services.record_consent(data, actor=rep)
    evidence.store(
        performer,
        uploads.Upload(document, "application/pdf", sha256_hex(document), "signed-consent.pdf"),
        actor_id=rep.id,
    )
    return version.consent_id


def seed_consents(users: dict[str, User], prods: dict[str, Production]) -> None:
    rep, rep2 = users.get("rep@demo.test"), users.get("rep2@demo.test")
    nh, go = prods.get("NH-01"), prods.get("GO-02")
    if rep is None or nh is None or go is None:
        return
    mara = performers.create_performer(
        {
            "legal_name": "Mara Elizabeth Quinn",
            "professional_name": "Mara Quinn",
            "email": "mara.quinn@example.test",
            "phone": "+1 310 555 0142",
            "guild": "SAG-AFTRA",
        },
        actor=rep,
    )
    jonah = performers.create_performer(
        {
            "legal_name": "Jonah Peter Vale",
            "professional_name": "Jonah Vale",
            "email": "jonah.vale@example.test",
        },
        actor=rep,
    )
    elsie = performers.create_performer(
        {
            "legal_name": "Elsie Ruth Marlowe",
            "professional_name": "Elsie Marlowe",
            "guild": "Equity",
            "deceased": True,
        },
        actor=rep,
    )
    _consent(
        rep,
        mara,
        nh,
        400,
        purposes=["digital_replica", "synthetic_voice"],
        media=["likeness", "voice"],
        description="Digital replica of face and voice for the harbour storm sequence "
        "(scenes 41-44), including synthetic voice for two ADR lines",
        restrictions="Not for trailers or marketing.",
    )
    _consent(
        rep,
        jonah,
        nh,
        330,
        purposes=["model_training"],
        media=["voice"],
        description="Training the Night Harbour voice clean-up model on Jonah Vale's ADR "
        "session recordings, for this production only",
    )
    _consent(
        rep,
        mara,
        go,
        5,
        purposes=["digital_alteration"],
        description="Cosmetic and continuity alteration of the orchard wedding scenes in post",
    )
    _consent(
        rep,
        jonah,
        nh,
        25,
        purposes=["digital_alteration", "visual_adr"],
        media=["likeness", "performance"],
        description="Visual ADR for the rewritten dock confrontation (scene 18), two lines",
    )
    amended = _consent(
        rep,
        jonah,
        go,
        200,
        purposes=["digital_replica"],
        description="Digital replica for the long shots of the orchard fire, stunt unit only",
    )
    consent = services.changeable_consent(rep, amended)
    document = _document("Jonah Vale amendment, GO-02")
    services.amend_consent(
        consent,
        {
            "evidence_sha256": sha256_hex(document),
            "signed_at": utcnow() - timedelta(days=2),
            "restrictions": "Stunt unit shots only; no close-ups.",
        },
        actor_id=rep.id,
    )
    evidence.store(
        jonah,
        uploads.Upload(document, "application/pdf", sha256_hex(document), "amendment.pdf"),
        actor_id=rep.id,
    )
    revoked = _consent(
        rep,
        jonah,
        go,
        300,
        purposes=["model_training"],
        description="Training a voice clean-up model on the GO-02 ADR sessions",
    )
    services.revoke_consent(
        services.changeable_consent(rep, revoked),
        "The performer withdrew consent for model training by letter.",
        actor_id=rep.id,
    )
    _consent(
        rep,
        elsie,
        go,
        365,
        purposes=["digital_replica"],
        signed_by="estate",
        description="Archive-based digital replica for the memorial scene of the final episode",
    )
    if rep2 is not None:
        theo = performers.create_performer(
            {"legal_name": "Theodor Brandt", "professional_name": "Theo Brandt"}, actor=rep2
        )
        _consent(
            rep2,
            theo,
            nh,
            120,
            purposes=["digital_replica"],
            description="Crowd-scene replica for the harbour festival, background only",
        )
