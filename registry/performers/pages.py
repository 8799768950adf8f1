"""Pages for talent reps: my performers (search by name), add a performer, a performer's page
with the consent timeline. Admins see every performer; other roles have no performer pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from registry.consents import services as consents
from registry.consents import timeline
from registry.consents.models import ConsentVersion
from registry.extensions import db
from registry.performers import services
from registry.performers.access import changeable_performer
from registry.performers.forms import PerformerForm
from registry.performers.schemas import PerformerInSchema
from registry.productions.models import Production
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required
from registry.web.errors import flatten_errors
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
            return redirect(url_for("performers_pages.detail", performer_id=performer.id))
    status = 422 if errors else 200
    return render_template("performers/new.html", form=form, errors=errors), status


@bp.route("/<performer_id>")
@roles_required(*PAGE_ROLES)
def detail(performer_id: str) -> Any:
    user = actor()
    performer = changeable_performer(user, performer_id)
    shown = services.view(user, performer)
    current = list(
        db.session.execute(
            consents.consent_query(user, performer_id=performer.id).limit(500)
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
        consents=consents.views(current),
        picture=timeline.render(every, codes, links),
    )
