"""Pages for talent reps: my performers (search by name), add a performer, correct a
performer's details (personal fields stay encrypted; the change is audited by field name,
never by value). Admins see every
performer; other roles have no performer pages. A performer's own page, with their consents,
is the consents feature's (``consents/pages.py``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from registry.core.errors import ServiceError, flatten_errors
from registry.performers import services
from registry.performers.access import changeable_performer
from registry.performers.forms import PerformerForm
from registry.performers.schemas import PerformerInSchema, PerformerUpdateSchema
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.schemas import paginate

bp = Blueprint("performers_pages", __name__, url_prefix="/performers")
bp.before_request(authenticate_page)

PAGE_ROLES = ("admin", "talent_rep")
PER_PAGE = 50


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@bp.route("")
@roles_required(*PAGE_ROLES)
def index() -> Any:
    user = actor()
    q = request.args.get("q", "")[:200]
    result = paginate(services.search(user, q), page_number(), PER_PAGE)
    rows = [services.view(user, p) for p in result.items]
    return render_template("performers/index.html", rows=rows, q=q, page=result)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*PAGE_ROLES)
@unit_of_work()
def new() -> Any:
    form = PerformerForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        raw = {
            "legal_name": form.legal_name.data or "",
            "professional_name": form.professional_name.data or "",
            "email": form.email.data or None,
            "phone": form.phone.data or None,
            "guild": form.guild.data or None,
            "deceased": bool(form.deceased.data),
        }
        try:
            data = PerformerInSchema().load(raw)
        except ValidationError as exc:
            errors = flatten_errors(exc.messages)
        else:
            performer = services.create_performer(data, actor=actor())
            flash(f"{performer.professional_name} was added; you represent them.", "success")
            return redirect(url_for("consents_pages.performer", performer_id=performer.id))
    status = 422 if errors else 200
    return render_template("performers/new.html", form=form, errors=errors), status


EDITABLE = ("legal_name", "professional_name", "email", "phone", "guild", "deceased")


@bp.route("/<performer_id>/edit", methods=["GET", "POST"])
@roles_required(*PAGE_ROLES)
@unit_of_work()
def edit(performer_id: str) -> Any:
    """Correct a performer's details (their representatives and admins): only the fields that
    changed are sent to the service, which re-seals personal fields under the performer's key
    and audits the names of the fields changed."""
    user = actor()
    performer = changeable_performer(user, performer_id)
    shown = services.view(user, performer)
    if shown["erased"]:
        flash("This performer was erased: their details cannot change.", "error")
        return redirect(url_for("consents_pages.performer", performer_id=performer.id))
    form = PerformerForm(data={name: shown.get(name) for name in EDITABLE})
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = {
            "legal_name": (form.legal_name.data or "").strip(),
            "professional_name": (form.professional_name.data or "").strip(),
            "email": (form.email.data or "").strip() or None,
            "phone": (form.phone.data or "").strip() or None,
            "guild": (form.guild.data or "").strip() or None,
            "deceased": bool(form.deceased.data),
        }
        changed = {
            k: v
            for k, v in typed.items()
            if v != (shown.get(k) or (False if k == "deceased" else None))
        }
        try:
            data = PerformerUpdateSchema().load(changed)
            if changed:
                services.update_performer(performer, data, actor_id=user.id)
        except ValidationError as exc:
            errors = flatten_errors(exc.messages)
            for name in ("legal_name", "professional_name"):
                if name in errors and not typed[name]:
                    errors[name] = [f"Enter the {name.replace('_', ' ')}."]
        except ServiceError as exc:
            discard()
            errors = exc.errors or {"_schema": [exc.message]}
        else:
            names = ", ".join(k.replace("_", " ") for k in sorted(changed)) or "nothing"
            flash(f"Saved. Changed: {names}.", "success")
            return redirect(url_for("consents_pages.performer", performer_id=performer.id))
    status = 422 if errors else 200
    return render_template(
        "performers/edit.html", form=form, errors=errors, performer=shown
    ), status
