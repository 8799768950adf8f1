"""Legal's queue: escalated requests whose current decision is escalate and still valid, what
else waits on legal (GenAI declarations, through ``core.signals.escalations_listed``), and
blocked models with the clearance form for each uncleared source. Oldest first, filtered by
production, kind and age; ``queue_count`` is what the navigation shows.

Approving has a confirmation page of its own (what will happen, the note, the signed document);
a bad input shows it again with what legal typed. Declining uses the shared confirmation
pattern (``templates/_macros/confirm.html``). Sending back with a question lives with the
request (``use_requests/questions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage

from registry.accounts.models import User
from registry.approvals import documents, questions
from registry.approvals.forms import DOCUMENT_AGAIN, RefusalForm, RequestApprovalForm
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
from registry.gate.use_requests.models import UseRequest
from registry.gate.use_requests.pages import consent_names, labels_for, visible_productions
from registry.rules.vocabulary import REQUEST_KINDS
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import user_tz
from registry.web.uploads import read_upload

bp = Blueprint("approvals_pages", __name__, url_prefix="/approvals")
bp.before_request(authenticate_page)
LIMIT = 200
AGES = {"1": "older than a day", "7": "older than a week", "30": "older than 30 days"}
DECLARATION = "declaration"


@dataclass(frozen=True)
class Filters:
    production_id: str | None = None
    kind: str | None = None  # a request kind, or "declaration"
    age: str | None = None  # a key of AGES

    @classmethod
    def from_args(cls) -> Filters:
        found = cls(
            request.args.get("production_id") or None,
            request.args.get("kind") or None,
            request.args.get("age") or None,
        )
        if found.kind not in (None, DECLARATION, *REQUEST_KINDS) or found.age not in (
            None,
            *AGES,
        ):
            abort(400)
        return found

    def before(self, now: datetime) -> datetime | None:
        return now - timedelta(days=int(self.age)) if self.age else None


def _requests(user: User, filters: Filters, now: datetime) -> list[UseRequest]:
    """Escalated, still valid requests the user may see, oldest first."""
    if filters.kind == DECLARATION:
        return []
    wanted: dict[str, Any] = {"outcome": "escalate", "valid": True}
    if filters.production_id:
        wanted["production_id"] = filters.production_id
    if filters.kind:
        wanted["kind"] = filters.kind
    stmt = requests.requests_query(user, wanted, now).order_by(None)
    stmt = stmt.order_by(UseRequest.created_at, UseRequest.id)
    before = filters.before(now)
    if before is not None:
        stmt = stmt.where(UseRequest.created_at <= before)
    return list(db.session.execute(stmt.limit(LIMIT)).scalars())


def _declarations(user: User, filters: Filters, now: datetime) -> list[dict[str, Any]]:
    """Escalated declarations waiting on legal (from triage, through the signal), oldest first."""
    if filters.kind not in (None, DECLARATION):
        return []
    before = filters.before(now)
    items = [
        item
        for _, found in escalations_listed.send(None, user=user, now=now)
        for item in found or ()
        if (not filters.production_id or item.get("production_id") == filters.production_id)
        and (before is None or _as_naive(item["asked_at"]) <= _as_naive(before))
    ]
    waiting = questions.waiting("declaration", [str(i.get("id")) for i in items if i.get("id")])
    for item in items:
        item["waiting_answer"] = item.get("id") in waiting
    return sorted(items, key=lambda i: _as_naive(i["asked_at"]))


def _as_naive(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def queue_count(user: User) -> int:
    """How many items wait for legal's action now (for the navigation): escalated requests not
    declined and not waiting for the requester's answer, and escalated declarations likewise.
    0 for anyone who does not approve."""
    if not user.has_role(*services.APPROVERS):
        return 0
    now = utcnow()
    reqs = _requests(user, Filters(), now)
    decision_ids = [str(r.current_decision_id) for r in reqs]
    declined = services.declined_decisions(decision_ids)
    waiting = questions.waiting("request", [r.id for r in reqs])
    count = sum(
        1 for r in reqs if str(r.current_decision_id) not in declined and r.id not in waiting
    )
    return count + sum(1 for d in _declarations(user, Filters(), now) if not d["waiting_answer"])


@bp.route("/")
@roles_required(*services.APPROVERS)
def queue() -> Any:
    now = utcnow()
    filters = Filters.from_args()
    reqs = _requests(actor(), filters, now)
    rows = requests.present_requests(reqs, now, user_tz())
    declined = services.declined_decisions([r["decision"]["id"] for r in rows])
    blocked = []
    if filters.kind in (None, "model.use", "model.train"):
        for model in db.session.execute(models.models_query(actor(), {}).limit(LIMIT)).scalars():
            if filters.production_id and model.production_id != filters.production_id:
                continue
            view = models.present(model, now)
            if view["status"] == "blocked":
                blocked.append(view)
    return render_template(
        "approvals/queue.html",
        rows=rows,
        declined=declined,
        waiting=questions.waiting("request", [r["id"] for r in rows]),
        others=_declarations(actor(), filters, now),
        blocked=blocked,
        clearance_form=ClearanceForm,
        labels=labels_for(reqs),
        consent_names=consent_names({c for r in rows for c in r["decision"]["consent_ids"]}),
        kinds=KIND_WORDS,
        fact_words=FACT_WORDS,
        filters=filters,
        productions=visible_productions(),
        ages=AGES,
    )


def _approval_page(req: UseRequest, form: RequestApprovalForm, status: int = 200) -> Any:
    now = utcnow()
    row = requests.present_requests([req], now, user_tz())[0]
    return render_template(
        "approvals/approve.html",
        r=row,
        form=form,
        labels=labels_for([req]),
        consent_names=consent_names(set(row["decision"]["consent_ids"])),
        kinds=KIND_WORDS,
        estate=any(rule["id"] == "R15" for rule in row["decision"]["rules"]),
    ), status


@bp.route("/<request_id>/approve")
@roles_required(*services.APPROVERS)
def confirm_approval(request_id: str) -> Any:
    """The confirmation step: what approving will do, with the note and the signed document."""
    req = requests.visible_request(actor(), request_id)
    current = requests.current_decision(req)
    if current.outcome != "escalate":
        flash(f"Nothing to approve: the current decision is {current.outcome}.", "error")
        return redirect(url_for("requests_pages.detail", request_id=req.id))
    if services.declined_decisions([current.id]):
        flash("Legal declined this decision: it can be approved once it is asked again.", "error")
        return redirect(url_for("requests_pages.detail", request_id=req.id))
    return _approval_page(req, RequestApprovalForm(decision_id=current.id))


@bp.route("/<request_id>", methods=["POST"])
@bp.route("/<request_id>/approve", methods=["POST"], endpoint="approve_confirmed")
@roles_required(*services.APPROVERS)
@unit_of_work()
def approve(request_id: str) -> Any:
    """Approve with the signed document uploaded (hashed on the server and kept encrypted).
    A bad input shows the confirmation page again with everything legal typed (422)."""
    form = RequestApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    req = requests.visible_request(actor(), request_id)
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
        return _approval_page(req, _with_errors(form, exc), 409 if _conflict(exc) else 422)
    flash(f"Approval recorded; the request was decided again: {decided.outcome}.", "success")
    return redirect(url_for("requests_pages.detail", request_id=req.id))


def _conflict(exc: Exception) -> bool:
    return isinstance(exc, ServiceError) and exc.status == 409


def _with_errors(form: RequestApprovalForm, exc: Exception) -> RequestApprovalForm:
    """Put the errors next to their fields (the rest above the form); the note stays as typed,
    and the file is asked for again (a browser never re-sends one)."""
    if isinstance(exc, ValidationError):
        errors = flatten_errors(exc.messages)
    else:
        assert isinstance(exc, ServiceError)
        errors = dict(exc.errors or {})
        form.form_errors.append(exc.message)
    by_name = {f.name: f for f in form}
    for name, messages in errors.items():
        target = by_name.get("document" if name == "evidence_sha256" else name)
        if target is not None and name not in ("missing", "decision_id"):
            target.errors = [*target.errors, *messages]
        elif not isinstance(exc, ServiceError):
            form.form_errors.extend(messages)
    if "document" not in errors:
        form.document.errors = [*form.document.errors, DOCUMENT_AGAIN]
    return form


@bp.route("/<request_id>/decline", methods=["GET", "POST"])
@roles_required(*services.APPROVERS)
@unit_of_work()
def decline(request_id: str) -> Any:
    """Legal declines the escalated decision, with a reason: GET asks for it, a POST shows the
    shared confirmation page, the confirmed POST records the refusal; the requester is told."""
    req = requests.visible_request(actor(), request_id, lock=request.method == "POST")
    form = RefusalForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        reason = (form.reason.data or "").strip()
        if not reason:
            form.reason.errors = ["Say why you decline: the requester reads it."]
            status = 422
        elif form.confirm.data != "yes":
            form.confirm.data = "yes"
            return render_template(
                "approvals/confirm_decline.html",
                form=form,
                facts=_decline_facts(req, reason),
                cancel_url=url_for("requests_pages.detail", request_id=req.id),
            )
        else:
            try:
                services.refuse(request_id, reason, user=actor(), now=utcnow())
            except ServiceError as exc:
                if exc.status == 404:
                    raise
                discard()
                form.form_errors.append(exc.message)
                status = exc.status
            else:
                flash("Declined: the requester is told.", "success")
                return redirect(url_for("approvals_pages.queue"))
    return render_template(
        "approvals/decline.html", req=req, form=form, labels=labels_for([req]), kinds=KIND_WORDS
    ), status


def _decline_facts(req: UseRequest, reason: str) -> list[tuple[str, str]]:
    labels = labels_for([req])
    return [
        ("Request", KIND_WORDS[req.kind][0]),
        ("Production", labels["productions"].get(req.production_id, req.production_id)),
        ("What", req.description),
        ("Your reason", reason),
    ]
