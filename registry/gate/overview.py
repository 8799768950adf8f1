"""A production's page for the people who work on it (the VFX lead first): what they may do
there, and what is on record for it: its consents' purposes and validity (never a personal
field), its models, replicas, use requests and GenAI declarations; and the list of the
productions the caller works on, which leads to it.

Declarations belong to triage, which the gate never imports: they are asked for through
``production_declarations`` (``receiver(sender, user=User, production_id=str)`` -> list of
dicts with ``id``, ``title``, ``level``, ``status``, ``created_at``); triage connects it.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import Blueprint, render_template
from sqlalchemy import select

from registry.consents import services as consents
from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.extensions import db
from registry.gate.enhancement_models import services as models
from registry.gate.replicas.models import Replica
from registry.gate.use_requests import services as requests
from registry.gate.use_requests.forms import KIND_WORDS
from registry.gate.use_requests.pages import labels_for, names, visible_productions
from registry.performers.models import Performer
from registry.productions.access import visible_production
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import user_tz

bp = Blueprint("production_work", __name__)
bp.before_request(authenticate_page)
READERS = ("admin", "vfx_lead", "legal")
LIMIT = 200
production_declarations = Namespace().signal("production-declarations")


@bp.route("/work/productions")
@roles_required(*READERS)
def productions() -> Any:
    """The productions the caller works on (every one for admin and legal)."""
    return render_template("productions/work.html", productions=visible_productions())


@bp.route("/productions/<production_id>/overview")
@roles_required(*READERS)
def overview(production_id: str) -> Any:
    user = actor()
    production = visible_production(user, production_id)
    now = utcnow()
    versions = list(
        db.session.execute(
            select(ConsentVersion)
            .where(
                ConsentVersion.production_id == production.id,
                ConsentVersion.superseded_at.is_(None),
            )
            .order_by(ConsentVersion.expires_at)
            .limit(LIMIT)
        ).scalars()
    )
    consent_rows = [consents.lead_view(v) for v in consents.views(versions, now)]
    model_rows = [
        models.present(m, now)
        for m in db.session.execute(
            models.models_query(user, {"production_id": production.id}).limit(LIMIT)
        ).scalars()
    ]
    replicas = list(
        db.session.execute(
            select(Replica)
            .where(Replica.production_id == production.id)
            .order_by(Replica.created_at.desc())
            .limit(LIMIT)
        ).scalars()
    )
    reqs = list(
        db.session.execute(
            requests.requests_query(user, {"production_id": production.id}, now).limit(LIMIT)
        ).scalars()
    )
    declarations = [
        item
        for _, found in production_declarations.send(None, user=user, production_id=production.id)
        for item in found or ()
    ]
    return render_template(
        "productions/overview.html",
        production=production,
        consents=consent_rows,
        models=model_rows,
        replicas=replicas,
        rows=requests.present_requests(reqs, now, user_tz()),
        labels=labels_for(reqs),
        replica_performers=names(
            Performer, {r.performer_id for r in replicas}, Performer.professional_name
        ),
        declarations=declarations,
        kinds=KIND_WORDS,
        may_ask=user.has_role(*requests.REQUESTERS),
    )
