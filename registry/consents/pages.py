"""Pages for talent reps: record a consent (with the signed document), read it with its
versions, amend it, revoke it (with a confirmation step), consents expiring soon, and
downloads of receipts and evidence. Everything goes through the same schemas and services as
the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from registry.consents import changes, evidence, receipt_check, services, timeline
from registry.consents.forms import (
    AmendForm,
    ConsentFieldsForm,
    ConsentForm,
    EvidenceForm,
    RevokeForm,
)
from registry.consents.models import Consent, ConsentVersion
from registry.consents.schemas import AmendSchema, ConsentInSchema
from registry.consents.validation import AMEND_BASE
from registry.core.clock import utcnow
from registry.core.errors import Invalid, flatten_errors
from registry.core.zones import days_left
from registry.extensions import db
from registry.performers import services as performers
from registry.performers.access import can_change, changeable_performer, visible_performer
from registry.productions.models import Production
from registry.transactions import discard, unit_of_work
from registry.web import uploads
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.dates import local_input, typed_iso
from registry.web.schemas import paginate

bp = Blueprint("consents_pages", __name__)
bp.before_request(authenticate_page)

PAGE_ROLES = ("admin", "talent_rep")  # who records, amends and revokes
WHOLE_ROLES = ("admin", "talent_rep", "legal")  # who reads a consent whole, receipts included
READ_ROLES = (*WHOLE_ROLES, "vfx_lead")
EXPIRY_WINDOWS = (30, 60, 90)
Errors = dict[str, list[str]]


def _iso(value: datetime | None) -> str | None:
    return value.replace(tzinfo=UTC).isoformat() if value is not None else None


def _merge(errors: Errors, more: Errors) -> None:
    for key, messages in more.items():
        errors.setdefault(key.split(".", 1)[0], []).extend(messages)


def _fields(form: ConsentFieldsForm) -> dict[str, Any]:
    """The form's values as the API would receive them (empty times left out)."""
    data: dict[str, Any] = {
        "purposes": list(form.purposes.data or []),
        "media": list(form.media.data or []),
        "description": form.description.data or "",
        "restrictions": form.restrictions.data or None,
        "guild_compliant": bool(form.guild_compliant.data),
        "signed_by": form.signed_by.data or "",
    }
    for name in ("signed_at", "effective_from", "expires_at"):
        typed = typed_iso(getattr(form, name))  # in the person's zone; a bare date: end of day
        if typed is not None:
            data[name] = typed
    return data


def _evidence(form: ConsentFieldsForm, errors: Errors) -> uploads.Upload | None:
    """The uploaded document (checked) and the evidence hash it gives, into ``data``."""
    upload = form.evidence.data
    if upload is None or not getattr(upload, "filename", ""):
        if not form.evidence_sha256.data:
            errors.setdefault("evidence", []).append(
                "Upload the signed document (or give its SHA-256)."
            )
        return None
    try:
        checked = uploads.read_upload(upload.stream, upload.filename, field="evidence")
    except Invalid as exc:
        _merge(errors, exc.errors)
        return None
    typed = (form.evidence_sha256.data or "").strip().lower()
    if typed and typed != checked.sha256:
        errors.setdefault("evidence_sha256", []).append(
            "Does not match the uploaded document; leave it empty to use the document's hash."
        )
    return checked


def _form_errors(form: ConsentFieldsForm, errors: Errors) -> None:
    for name, messages in form.errors.items():
        if name != "csrf_token":
            errors.setdefault(name, []).extend(str(m) for m in messages)


def _effective_choice(form: Any, data: dict[str, Any], number: int, errors: Errors) -> None:
    """The new version's "effective from", as the person chose: the current version's (sent
    as no change) or the date they entered; never an old one kept without being asked."""
    choice = form.effective_choice.data
    if choice == "keep":
        data.pop("effective_from", None)
    elif choice == "date":
        if "effective_from" not in data and "effective_from" not in errors:
            errors["effective_from"] = [f"Enter the date version {number} takes effect."]
    else:
        errors["effective_choice"] = [f"Choose when version {number} takes effect."]


def _version_number(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 1_000_000:
        abort(404)
    return int(raw)


@bp.route("/performers/<performer_id>/consents/new", methods=["GET", "POST"])
@roles_required(*PAGE_ROLES)
@unit_of_work()
def new(performer_id: str) -> Any:
    user = actor()
    performer = changeable_performer(user, performer_id)
    form = ConsentForm()
    productions = list(db.session.execute(select(Production).order_by(Production.code)).scalars())
    form.production_id.choices = [SelectChoice("", "Choose a production")] + [
        SelectChoice(p.id, f"{p.code} · {p.title}") for p in productions
    ]
    errors: Errors = {}
    if request.method == "GET" and performer.deceased:
        form.signed_by.data = "estate"
    if request.method == "POST":
        form.validate()
        _form_errors(form, errors)
        checked = _evidence(form, errors)
        data = {
            **_fields(form),
            "performer_id": performer.id,
            "production_id": form.production_id.data or "",
            "evidence_sha256": checked.sha256
            if checked
            else (form.evidence_sha256.data or "").strip(),
        }
        loaded: dict[str, Any] = {}
        try:
            loaded = ConsentInSchema().load(data)
        except ValidationError as exc:
            _merge(errors, flatten_errors(exc.messages))
        if not errors:
            version = services.record_consent(loaded, actor=user)
            if checked is not None:
                evidence.store(performer, checked, actor_id=user.id)
            flash("Consent recorded. Its signed receipt is ready to download.", "success")
            return redirect(url_for("consents_pages.detail", consent_id=version.consent_id))
    return render_template(
        "consents/form.html", form=form, errors=errors, performer=performer, mode="new"
    ), (422 if errors else 200)


@bp.route("/consents/<consent_id>")
@roles_required(*READ_ROLES)
def detail(consent_id: str) -> Any:
    """The consent and its history: whole for its reps, admin and legal (who judge it; only
    reps and admin act on it); for a vfx_lead, only a consent a decision of their production
    relied on, and only its production, purposes, media, validity and description."""
    user = actor()
    consent, whole = services.readable_consent(user, consent_id)
    history = services.views(services.versions(consent))
    if not whole:
        history = [services.lead_view(v) for v in history]
    performer = performers.view(user, visible_performer(user, consent.performer_id))
    return render_template(
        "consents/detail.html",
        consent=history[-1],
        history=list(reversed(history)),
        changes=changes.history_changes(history) if whole else {},
        performer=performer,
        whole=whole,
        may_change=can_change(user, consent.performer_id),
        upload=EvidenceForm(),
    )


@bp.route("/consents/<consent_id>/amend", methods=["GET", "POST"])
@roles_required(*PAGE_ROLES)
@unit_of_work()
def amend(consent_id: str) -> Any:
    user = actor()
    consent = services.changeable_consent(user, consent_id, lock=request.method == "POST")
    current = services.current_version(consent)
    performer = changeable_performer(user, consent.performer_id)
    form = AmendForm()
    errors: Errors = {}
    if request.method == "GET":  # the form starts from what the amendment starts from
        for name in AMEND_BASE:
            if name == "effective_from":  # chosen, never carried over unseen
                continue
            value = getattr(current, name)
            local = local_input(value) if isinstance(value, datetime) else value
            getattr(form, name).data = local
    if request.method == "POST":
        form.validate()
        _form_errors(form, errors)
        checked = _evidence(form, errors)
        data = {
            **_fields(form),
            "evidence_sha256": checked.sha256
            if checked
            else (form.evidence_sha256.data or "").strip(),
        }
        if services.view(current)["status"] not in ("revoked", "expired"):  # else 409 below
            _effective_choice(form, data, current.version + 1, errors)
        loaded: dict[str, Any] = {}
        try:
            loaded = AmendSchema(failed=form.errors).load(data)
        except ValidationError as exc:
            _merge(errors, flatten_errors(exc.messages))
        if not errors:
            try:
                version = services.amend_consent(consent, loaded, actor_id=user.id)
            except Invalid as exc:
                discard()
                _merge(errors, exc.errors)
            else:
                if checked is not None:
                    evidence.store(performer, checked, actor_id=user.id)
                flash(
                    f"Amended: version {version.version} is now current, effective from "
                    f"{version.effective_from:%Y-%m-%d %H:%M} UTC.",
                    "success",
                )
                return redirect(url_for("consents_pages.detail", consent_id=consent_id))
    return render_template(
        "consents/form.html",
        form=form,
        errors=errors,
        performer=performer,
        mode="amend",
        consent=services.view(current),
    ), (422 if errors else 200)


@bp.route("/consents/<consent_id>/revoke", methods=["GET", "POST"])
@roles_required(*PAGE_ROLES)
@unit_of_work()
def revoke(consent_id: str) -> Any:
    user = actor()
    consent = services.changeable_consent(user, consent_id, lock=request.method == "POST")
    shown = services.view(services.current_version(consent))
    form = RevokeForm()
    errors: Errors = {}
    if request.method == "POST":
        reason = (form.reason.data or "").strip()
        if not reason:
            errors["reason"] = ["Give a reason."]
        elif len(reason) > 2000:
            errors["reason"] = ["At most 2000 characters."]
        elif form.confirm.data != "yes":
            form.confirm.data = "yes"
            return render_template("consents/confirm_revoke.html", form=form, consent=shown)
        else:
            version = services.revoke_consent(consent, reason, actor_id=user.id)
            flash(
                f"Revoked. Version {version.version} ended now; its termination receipt is ready.",
                "success",
            )
            return redirect(url_for("consents_pages.detail", consent_id=consent_id))
    return render_template("consents/revoke.html", form=form, consent=shown, errors=errors), (
        422 if errors else 200
    )


@bp.route("/consents/<consent_id>/evidence", methods=["POST"])
@roles_required(*PAGE_ROLES)
@unit_of_work()
def upload(consent_id: str) -> Any:
    user = actor()
    consent = services.changeable_consent(user, consent_id)
    form = EvidenceForm()
    file = form.evidence.data
    if file is None or not getattr(file, "filename", ""):
        flash("Choose the signed document to upload.", "error")
        return redirect(url_for("consents_pages.detail", consent_id=consent_id))
    try:
        checked = uploads.read_upload(file.stream, file.filename, field="evidence")
        _, version = evidence.attach(consent, checked, actor_id=user.id)
    except Invalid as exc:
        discard()
        flash(" ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("consents_pages.detail", consent_id=consent_id))
    flash(f"Document stored (encrypted) for version {version.version}.", "success")
    return redirect(url_for("consents_pages.detail", consent_id=consent_id))


def _version(consent_id: str, raw: str) -> ConsentVersion:
    """A version of a consent the caller reads whole (its reps, admin, legal)."""
    consent: Consent = services.visible_consent(actor(), consent_id)
    return services.version_of(consent, _version_number(raw))


@bp.route("/consents/<consent_id>/versions/<version>/receipt")
@roles_required(*WHOLE_ROLES)
def receipt(consent_id: str, version: str) -> Any:
    row = _version(consent_id, version)
    termination = request.args.get("kind") == "termination"
    token = row.termination_receipt if termination else row.receipt
    if not token:
        abort(404)
    name = (
        f"consent-{row.consent_id}-v{row.version}-{'termination' if termination else 'receipt'}.jws"
    )
    response = Response(token, mimetype="application/jose")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/consents/<consent_id>/versions/<version>/receipt/view")
@roles_required(*WHOLE_ROLES)
def receipt_page(consent_id: str, version: str) -> Any:
    """The receipt for people: what it commits to, in words, and whether its signature
    verifies against the published keys (the registry's one verifier), next to the ``.jws``.
    Prints cleanly (``static/print.css``)."""
    row = _version(consent_id, version)
    termination = request.args.get("kind") == "termination"
    token = row.termination_receipt if termination else row.receipt
    if not token:
        abort(404)
    return render_template(
        "consents/receipt.html",
        check=receipt_check.checked(token),
        token=token,
        row=row,
        termination=termination,
    )


@bp.route("/consents/<consent_id>/versions/<version>/evidence")
@roles_required(*WHOLE_ROLES)
def document(consent_id: str, version: str) -> Any:
    return evidence.download(_version(consent_id, version))


@bp.route("/consents/expiring")
@roles_required(*PAGE_ROLES)
def expiring() -> Any:
    raw = request.args.get("days", "30")
    days = int(raw) if raw in {str(d) for d in EXPIRY_WINDOWS} else 30
    page_raw = request.args.get("page", "1")
    page_no = int(page_raw) if page_raw.isdigit() and 0 < int(page_raw) < 100_000 else 1
    now = utcnow()
    result = paginate(
        services.consent_query(actor(), expiring_within_days=days, now=now), page_no, 100
    )
    rows = services.views(result.items, now)
    for row in rows:
        row["days_left"] = days_left(row["expires_at"], now)  # one way everywhere: UTC
    return render_template(
        "consents/expiring.html", rows=rows, days=days, windows=EXPIRY_WINDOWS, page=result
    )


@bp.route("/performers/<performer_id>")
@roles_required(*PAGE_ROLES)
def performer(performer_id: str) -> Any:
    """A performer's page: their details and their consents on a timeline."""
    user = actor()
    performer = changeable_performer(user, performer_id)
    shown = performers.view(user, performer)
    current = list(
        db.session.execute(
            services.consent_query(user, performer_id=performer.id).limit(500)
        ).scalars()
    )
    every = list(
        db.session.execute(
            select(ConsentVersion)
            .where(ConsentVersion.performer_id == performer.id)
            .order_by(ConsentVersion.consent_id, ConsentVersion.version)
        ).scalars()
    )
    codes: dict[str, str] = {
        qid: code
        for qid, code in db.session.execute(
            select(Production.id, Production.code).where(
                Production.id.in_({v.production_id for v in every})
            )
        )
    }
    links = {v.consent_id: url_for("consents_pages.detail", consent_id=v.consent_id) for v in every}
    return render_template(
        "performers/detail.html",
        performer=shown,
        consents=services.views(current),
        picture=timeline.render(every, codes, links),
    )
