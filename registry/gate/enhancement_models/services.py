"""Enhancement models: register (bound to one production for good), read, clear a source, retire.

Status is computed at every read by ``registry.rules.model_status`` from the current rows (the
training consents' current versions, the clearances) and the clock; only ``retired_at`` is
stored. Registration records, per performer, the model_training consents valid for the bound
production at that moment; a performer without one still registers, and the model reads
``suspended`` (R10) until that is cured.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g
from sqlalchemy import Select, delete, select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.consents.models import ConsentVersion as CV
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Forbidden, Invalid, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.enhancement_models.models import (
    EnhancementModel,
    ModelPerformer,
    ModelSourceClearance,
    ModelTrainingConsent,
)
from registry.performers.models import Performer
from registry.productions.access import can_see_production, member_production_ids
from registry.productions.contacts import studio_contacts
from registry.productions.models import Production
from registry.reminders.outbox import tell
from registry.rules import ModelFact, PerformerFact, consent_problems, labels, model_status
from registry.transactions import unit_of_work

READERS = ("admin", "vfx_lead", "legal")
REGISTRARS = ("admin", "vfx_lead")
_REFUSED = "registry_refused_rebinds"


def tell_refused_rebinds(response: Any) -> Any:
    """``after_request`` of the model pages and API: for each registration refused because the
    weights are bound to a production already, tell that production's studio contacts (in a
    unit of work of its own: the refused request's own transaction was rolled back) and audit
    the attempt. The caller's answer says nothing of where the weights are bound."""
    attempts = g.pop(_REFUSED, [])
    for model_id, wanted_production, user_id in attempts:
        with unit_of_work():
            model = db.session.get(EnhancementModel, model_id)
            wanted = db.session.get(Production, wanted_production)
            user = db.session.get(User, user_id)
            if model is None or wanted is None or user is None:
                continue
            record(
                "model.rebind_refused",
                "model",
                model.id,
                {"production_id": wanted.id, "by": user.id},
                actor_id=user.id,
            )
            tell(
                "model.rebind_refused",
                production_id=model.production_id,
                recipients=studio_contacts(model.production_id),
                title=f'Refused: {user.name} tried to register the weights of model "{model.name}" '
                f"for production {wanted.code}",
                link_path=f"/models/{model.id}",
                subject=("model", model.id),
                now=utcnow(),
            )
    return response


CLEARERS = ("legal", "admin")


def can_see_model(user: User, model: EnhancementModel) -> bool:
    if user.role == "vfx_lead":
        return can_see_production(user, model.production_id)
    return user.role in READERS


def visible_model(user: User, model_id: str, *, lock: bool = False) -> EnhancementModel:
    if lock:
        model = db.session.execute(
            select(EnhancementModel)
            .where(EnhancementModel.id == model_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
    else:
        model = db.session.get(EnhancementModel, model_id)
    if model is None or not can_see_model(user, model):
        raise NotFound("No such model.")
    return model


def models_query(user: User, filters: dict[str, Any]) -> Select[Any]:
    stmt = select(EnhancementModel).order_by(
        EnhancementModel.created_at.desc(), EnhancementModel.id.desc()
    )
    if user.role == "vfx_lead":
        stmt = stmt.where(EnhancementModel.production_id.in_(member_production_ids(user)))
    elif user.role not in READERS:
        raise Forbidden("Your role may not read models.")
    if filters.get("production_id"):
        stmt = stmt.where(EnhancementModel.production_id == filters["production_id"])
    if filters.get("performer_id"):
        stmt = stmt.where(
            EnhancementModel.id.in_(
                select(ModelPerformer.model_id).where(
                    ModelPerformer.performer_id == filters["performer_id"]
                )
            )
        )
    return stmt


# -- registering ----------------------------------------------------------------------------------


def _valid_training_consents(
    performers: list[Performer], production_id: str, now: datetime
) -> list[tuple[str, str, str]]:
    """(consent id, version id, performer id) of each model_training consent valid right now."""
    facts = {p.id: PerformerFact(p.id, p.guild, bool(p.deceased)) for p in performers}
    rows = db.session.execute(
        bridge.current_consents_of(list(facts)).where(CV.production_id == production_id)
    )
    found = []
    for row in rows:
        consent = bridge.consent_fact(row)
        if "model_training" not in consent.purposes:
            continue
        problems = consent_problems(
            consent, facts[consent.performer_id], production_id, "model_training", (), now
        )
        if not problems:
            found.append((consent.id, row.id, consent.performer_id))
    return sorted(found)


def register_model(
    data: dict[str, Any], *, user: User, now: datetime | None = None
) -> EnhancementModel:
    now = now or utcnow()
    if not user.has_role(*REGISTRARS):
        raise Forbidden("Your role may not register models.")
    performer_ids: list[str] = list(data["performer_ids"])
    performers = {
        p.id: p
        for p in db.session.execute(
            select(Performer).where(Performer.id.in_(performer_ids))
        ).scalars()
    }
    unknown = [pid for pid in performer_ids if pid not in performers]
    if unknown:
        raise Invalid(
            "Some fields are invalid.",
            {"performer_ids": [f"No performer with id {pid}." for pid in unknown]},
        )
    production_id = data["production_id"]
    if db.session.get(Production, production_id) is None or not can_see_production(
        user, production_id
    ):
        raise NotFound("No such production.", {"production_id": ["No such production."]})
    fingerprint = data["fingerprint_sha256"].lower()
    taken = db.session.execute(
        select(EnhancementModel.id).where(EnhancementModel.fingerprint_sha256 == fingerprint)
    ).first()
    if taken:
        # The refusal says nothing of where the weights are bound; legal is told of the
        # attempt once this request's transaction has ended (``tell_refused_rebinds``).
        g.setdefault(_REFUSED, []).append((taken[0], production_id, user.id))
        raise Conflict(
            "A model with this fingerprint is already registered: a model is bound to one "
            "production and never re-bound.",
            {"fingerprint_sha256": ["Already registered."]},
        )
    model = EnhancementModel(
        id=new_id("mdl"),
        name=data["name"],
        production_id=production_id,
        scope=data["scope"],
        fingerprint_sha256=fingerprint,
        vendor=data["vendor"],
        training_sources=[
            {"description": s["description"], "clearance": s["clearance"]}
            for s in data["training_sources"]
        ],
        created_by=user.id,
        created_at=now,
    )
    db.session.add(model)
    db.session.flush()
    for position, pid in enumerate(performer_ids):
        db.session.add(ModelPerformer(model_id=model.id, performer_id=pid, position=position))
    training = _valid_training_consents(list(performers.values()), production_id, now)
    for consent_id, version_id, pid in training:
        db.session.add(
            ModelTrainingConsent(
                model_id=model.id, consent_id=consent_id, version_id=version_id, performer_id=pid
            )
        )
    db.session.flush()
    record(
        "model.registered",
        "model",
        model.id,
        {
            "production_id": production_id,
            "performer_ids": performer_ids,
            "fingerprint_sha256": fingerprint,
            "training_sources": model.training_sources,
            "training_consents": [c for c, _, _ in training],
            "status": status_of(model, now)[0],
        },
        actor_id=user.id,
    )
    return model


# -- clearing and retiring ------------------------------------------------------------------------


def clear_source(
    model_id: str, data: dict[str, Any], *, user: User, now: datetime | None = None
) -> EnhancementModel:
    """Legal records that an uncleared training source was cleared, with its evidence."""
    now = now or utcnow()
    if not user.has_role(*CLEARERS):
        raise Forbidden("Only legal records clearances.")
    model = visible_model(user, model_id, lock=True)
    index = data["source"]
    sources = model.training_sources
    if not 0 <= index < len(sources):
        raise Invalid(
            "Some fields are invalid.",
            {"source": [f"No training source {index}: the model has {len(sources)} (from 0)."]},
        )
    if model.retired_at is not None:
        raise Conflict("The model is retired.")
    if sources[index].get("clearance") != "uncleared":
        raise Conflict(
            f"Training source {index} was registered as {sources[index].get('clearance')}: "
            "there is nothing to clear.",
            {"source": ["Not an uncleared source."]},
        )
    done = db.session.execute(
        select(ModelSourceClearance.id).where(
            ModelSourceClearance.model_id == model.id, ModelSourceClearance.source_index == index
        )
    ).first()
    if done:
        raise Conflict(
            f"Training source {index} is already cleared.", {"source": ["Already cleared."]}
        )
    clearance = ModelSourceClearance(
        id=new_id("clr"),
        model_id=model.id,
        source_index=index,
        evidence_sha256=data["evidence_sha256"].lower(),
        note=data["note"],
        cleared_by=user.id,
        cleared_at=now,
    )
    db.session.add(clearance)
    db.session.flush()
    record(
        "model.source_cleared",
        "model",
        model.id,
        {"source": index, "evidence_sha256": clearance.evidence_sha256, "clearance": clearance.id},
        actor_id=user.id,
    )
    return model


def link_training_consent(
    model_id: str, consent_id: str, *, user: User, now: datetime | None = None
) -> EnhancementModel:
    """Cure a suspended model (R10): link a new model_training consent of a performer the model
    names, valid now in the model's production. That performer's linked consents that no
    longer hold are replaced by it (the audit trail keeps them)."""
    now = now or utcnow()
    if not user.has_role(*REGISTRARS):
        raise Forbidden("Your role may not change models.")
    model = visible_model(user, model_id, lock=True)
    if model.retired_at is not None:
        raise Conflict("The model is retired.")
    fact = _fact(model)
    performers = {p.id: p for p in fact.performers}
    row = db.session.execute(
        bridge.current_consents_of(list(performers)).where(CV.consent_id == consent_id)
    ).first()
    if row is None:
        raise Invalid(
            "Some fields are invalid.",
            {"consent_id": ["Not a consent of a performer this model was trained on."]},
        )
    consent = bridge.consent_fact(row)
    problems = consent_problems(
        consent, performers[consent.performer_id], model.production_id, "model_training", (), now
    )
    if problems:
        raise Invalid("Some fields are invalid.", {"consent_id": list(problems)})
    if any(c.id == consent.id for c in fact.training_consents):
        raise Conflict("This consent is already linked to the model.")
    replaced = [
        c.id
        for c in fact.training_consents
        if c.performer_id == consent.performer_id
        and consent_problems(
            c, performers[c.performer_id], model.production_id, "model_training", (), now
        )
    ]
    if replaced:
        db.session.execute(
            delete(ModelTrainingConsent).where(
                ModelTrainingConsent.model_id == model.id,
                ModelTrainingConsent.consent_id.in_(replaced),
            )
        )
    db.session.add(
        ModelTrainingConsent(
            model_id=model.id,
            consent_id=consent.id,
            version_id=row.id,
            performer_id=consent.performer_id,
        )
    )
    db.session.flush()
    record(
        "model.training_consent_linked",
        "model",
        model.id,
        {"consent_id": consent.id, "replaced": replaced, "status": status_of(model, now)[0]},
        actor_id=user.id,
    )
    return model


def retire_model(
    model_id: str, reason: str | None, *, user: User, now: datetime | None = None
) -> EnhancementModel:
    now = now or utcnow()
    if not user.has_role(*REGISTRARS):
        raise Forbidden("Your role may not retire models.")
    model = visible_model(user, model_id, lock=True)
    if model.retired_at is not None:
        raise Conflict("The model is already retired.")
    model.retired_at = now
    model.retired_by = user.id
    model.retire_reason = reason
    db.session.flush()
    record("model.retired", "model", model.id, {"reason": reason}, actor_id=user.id)
    return model


# -- reading --------------------------------------------------------------------------------------


def _fact(model: EnhancementModel) -> ModelFact:
    fact = bridge.model_fact(db.session, model.id)
    assert fact is not None
    return fact


def status_of(model: EnhancementModel, now: datetime) -> tuple[str, list[str]]:
    """The model's status now and, in plain words, why it is not active."""
    fact = _fact(model)
    status = model_status(fact, now)
    reasons: list[str] = []
    if status == "retired":
        reasons.append(f"retired at {model.retired_at.isoformat() if model.retired_at else ''}")
    for index, source in enumerate(fact.sources):
        if source.clearance not in ("owned", "cleared"):
            reasons.append(
                f"R11: training source {index} ({source.description}) is not cleared: "
                "legal must record its clearance"
            )
    performers = {p.id: p for p in fact.performers}
    covered = set()
    home = labels.production(fact.production, fact.production_id)
    for consent in fact.training_consents:
        performer = performers.get(consent.performer_id)
        problems = consent_problems(
            consent, performer, fact.production_id, "model_training", (), now
        )
        if problems:
            reasons.append(f"R10: {labels.consent(consent)}: {'; '.join(problems)}")
        else:
            covered.add(consent.performer_id)
    for pid in fact.performer_ids:
        if pid not in covered and not any(c.performer_id == pid for c in fact.training_consents):
            reasons.append(
                f"R10: {labels.performer(performers.get(pid), pid)} has no valid model_training "
                f"consent for production {home} linked to the model"
            )
    return status, reasons


def present(model: EnhancementModel, now: datetime) -> dict[str, Any]:
    status, reasons = status_of(model, now)
    performers = db.session.execute(
        select(Performer.id, Performer.professional_name)
        .join(ModelPerformer, ModelPerformer.performer_id == Performer.id)
        .where(ModelPerformer.model_id == model.id)
        .order_by(ModelPerformer.position)
    ).all()
    clearances = {
        c.source_index: c
        for c in db.session.execute(
            select(ModelSourceClearance).where(ModelSourceClearance.model_id == model.id)
        ).scalars()
    }
    training = db.session.execute(
        select(ModelTrainingConsent.consent_id, ModelTrainingConsent.performer_id, CV.version)
        .join(CV, CV.id == ModelTrainingConsent.version_id)
        .where(ModelTrainingConsent.model_id == model.id)
        .order_by(ModelTrainingConsent.consent_id)
    ).all()
    sources = []
    for index, source in enumerate(model.training_sources):
        cleared = clearances.get(index)
        sources.append(
            {
                "index": index,
                "description": source.get("description", ""),
                "clearance": source.get("clearance", ""),
                "effective_clearance": "cleared" if cleared else source.get("clearance", ""),
                "cleared": None
                if cleared is None
                else {
                    "id": cleared.id,
                    "evidence_sha256": cleared.evidence_sha256,
                    "note": cleared.note,
                    "cleared_by": cleared.cleared_by,
                    "cleared_at": cleared.cleared_at,
                },
            }
        )
    return {
        "id": model.id,
        "name": model.name,
        "production_id": model.production_id,
        "performer_ids": [p[0] for p in performers],
        "performers": [{"id": p[0], "professional_name": p[1]} for p in performers],
        "training_sources": sources,
        "scope": model.scope,
        "fingerprint_sha256": model.fingerprint_sha256,
        "vendor": model.vendor,
        "status": status,
        "status_reasons": reasons,
        "training_consents": [
            {"consent_id": c, "performer_id": p, "version": v} for c, p, v in training
        ],
        "created_by": model.created_by,
        "created_at": model.created_at,
        "retired_at": model.retired_at,
        "retire_reason": model.retire_reason,
    }
