"""Legal's queue: escalated requests whose current decision is escalate and still valid, each
with the approval form, and blocked models with the clearance form for each uncleared source."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from registry.approvals.forms import ApprovalForm
from registry.approvals.schemas import ApprovalInSchema
from registry.core.clock import utcnow
from registry.core.errors import ServiceError, flatten_errors
from registry.extensions import db
from registry.gate.enhancement_models import services as models
from registry.gate.enhancement_models.forms import ClearanceForm
from registry.gate.use_requests import approvals as services
from registry.gate.use_requests import services as requests
from registry.gate.use_requests.forms import FACT_WORDS, KIND_WORDS
from registry.gate.use_requests.pages import consent_names, labels_for
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required

bp = Blueprint("approvals_pages", __name__, url_prefix="/approvals")
bp.before_request(authenticate_page)
LIMIT = 200


@bp.route("/")
@roles_required(*services.APPROVERS)
def queue() -> Any:
    now = utcnow()
    stmt = requests.requests_query(actor(), {"outcome": "escalate", "valid": True}, now)
    reqs = list(db.session.execute(stmt.limit(LIMIT)).scalars())
    rows = requests.present_requests(reqs, now)
    blocked = []
    for model in db.session.execute(models.models_query(actor(), {}).limit(LIMIT)).scalars():
        view = models.present(model, now)
        if view["status"] == "blocked":
            blocked.append(view)
    return render_template(
        "approvals/queue.html",
        rows=rows,
        forms={r["id"]: ApprovalForm(decision_id=r["decision"]["id"]) for r in rows},
        blocked=blocked,
        clearance_form=ClearanceForm,
        labels=labels_for(reqs),
        consent_names=consent_names({c for r in rows for c in r["decision"]["consent_ids"]}),
        kinds=KIND_WORDS,
        fact_words=FACT_WORDS,
    )


@bp.route("/<request_id>", methods=["POST"])
@roles_required(*services.APPROVERS)
@unit_of_work()
def approve(request_id: str) -> Any:
    form = ApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    body = {
        "note": (form.note.data or "").strip(),
        "evidence_sha256": (form.evidence_sha256.data or "").strip(),
        "clears_sources": bool(form.clears_sources.data),
        "confirms_estate": bool(form.confirms_estate.data),
        "decision_id": form.decision_id.data or None,
    }
    back = request.form.get("next") or url_for("approvals_pages.queue")
    try:
        req, _, decided = services.approve(
            request_id, ApprovalInSchema().load(body), user=actor(), now=utcnow()
        )
    except ValidationError as exc:
        for name, messages in flatten_errors(exc.messages).items():
            flash(f"{name.replace('_', ' ')}: {' '.join(messages)}", "error")
        return redirect(back)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        discard()
        flash(exc.message, "error")
        return redirect(back)
    flash(f"Approval recorded; the request was decided again: {decided.outcome}.", "success")
    return redirect(url_for("requests_pages.detail", request_id=req.id))
