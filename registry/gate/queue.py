"""Legal's queue: escalated requests whose current decision is escalate and still valid, each
with the approval form (the signed document uploaded) and the decline form; what else waits on
legal (GenAI declarations, through ``core.signals.escalations_listed``); and blocked models
with the clearance form for each uncleared source."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage

from registry.approvals import documents
from registry.approvals.forms import RefusalForm, RequestApprovalForm
from registry.approvals.schemas import ApprovalInSchema
from registry.core.clock import utcnow
from registry.core.errors import Invalid, ServiceError, flatten_errors
from registry.core.signals import escalations_listed
from registry.extensions import db
from registry.gate.enhancement_models import services as models
from registry.gate.enhancement_models.forms import ClearanceForm
from registry.gate.use_requests import approvals as services
from registry.gate.use_requests import services as requests
from registry.gate.use_requests.forms import FACT_WORDS, KIND_WORDS
from registry.gate.use_requests.pages import consent_names, labels_for
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.uploads import read_upload

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
    declined = services.declined_decisions([r["decision"]["id"] for r in rows])
    others = [
        item
        for _, items in escalations_listed.send(None, user=actor(), now=now)
        for item in items or ()
    ]
    blocked = []
    for model in db.session.execute(models.models_query(actor(), {}).limit(LIMIT)).scalars():
        view = models.present(model, now)
        if view["status"] == "blocked":
            blocked.append(view)
    return render_template(
        "approvals/queue.html",
        rows=rows,
        forms={r["id"]: RequestApprovalForm(decision_id=r["decision"]["id"]) for r in rows},
        decline_form=RefusalForm(),
        declined=declined,
        others=others,
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
    """Approve with the signed document uploaded (hashed on the server and kept encrypted)."""
    form = RequestApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    back = request.form.get("next") or url_for("approvals_pages.queue")
    upload = form.document.data
    try:
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise Invalid(
                "Some fields are invalid.", {"document": ["Choose the signed approval to upload."]}
            )
        checked = read_upload(upload.stream, upload.filename, field="document")
        body = {
            "note": (form.note.data or "").strip(),
            "evidence_sha256": checked.sha256,
            "clears_sources": bool(form.clears_sources.data),
            "confirms_estate": bool(form.confirms_estate.data),
            "decision_id": form.decision_id.data or None,
        }
        data = ApprovalInSchema().load(body)
        doc = documents.store(checked, actor_id=actor().id)
        req, _, decided = services.approve(
            request_id, data, user=actor(), now=utcnow(), document_id=doc.id
        )
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ServiceError) and exc.status == 404:
            raise
        discard()
        _flash_errors(exc)
        return redirect(back)
    flash(f"Approval recorded; the request was decided again: {decided.outcome}.", "success")
    return redirect(url_for("requests_pages.detail", request_id=req.id))


@bp.route("/<request_id>/decline", methods=["POST"])
@roles_required(*services.APPROVERS)
@unit_of_work()
def decline(request_id: str) -> Any:
    """Legal declines the escalated decision, with a reason; the requester is told."""
    form = RefusalForm()
    if not form.validate_on_submit():
        abort(400)
    back = request.form.get("next") or url_for("approvals_pages.queue")
    reason = (form.reason.data or "").strip()
    try:
        if not reason:
            raise Invalid("Some fields are invalid.", {"reason": ["Say why."]})
        services.refuse(request_id, reason, user=actor(), now=utcnow())
    except ServiceError as exc:
        if exc.status == 404:
            raise
        discard()
        _flash_errors(exc)
        return redirect(back)
    flash("Declined: the requester is told.", "success")
    return redirect(back)


def _flash_errors(exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        errors = flatten_errors(exc.messages)
    else:
        assert isinstance(exc, ServiceError)
        errors = exc.errors or {"": [exc.message]}
        if exc.errors:
            flash(exc.message, "error")
    for name, messages in errors.items():
        label = f"{name.replace('_', ' ')}: " if name else ""
        flash(f"{label}{' '.join(messages)}", "error")
