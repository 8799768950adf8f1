"""Admin pages: productions, pitches and concepts (created and edited, their phase too), and
who is a member of each (added, and removed after a confirmation page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from registry.accounts.models import User
from registry.accounts.services import normalise_email
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.productions import services
from registry.productions.access import visible_production
from registry.productions.forms import ButtonForm, MemberForm, ProductionForm
from registry.productions.models import Production, ProductionMember
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required

bp = Blueprint("productions_pages", __name__, url_prefix="/productions")
bp.before_request(authenticate_page)


@bp.route("/", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def index() -> Any:
    form = ProductionForm()
    if form.validate_on_submit():
        try:
            production = services.create_production(
                {
                    "title": form.title.data,
                    "code": form.code.data,
                    "kind": form.kind.data,
                    "phase": form.phase.data,
                    "webhook_url": form.webhook_url.data or None,
                },
                actor_id=actor().id,
            )
        except ServiceError as exc:
            discard()
            for field, messages in exc.errors.items():
                getattr(form, field).errors = list(messages)
        else:
            flash(f"Created {production.title} ({production.code}).", "success")
            return redirect(url_for("productions_pages.detail", production_id=production.id))
    productions = db.session.execute(select(Production).order_by(Production.code)).scalars()
    return render_template("productions/index.html", form=form, productions=list(productions))


@bp.route("/<production_id>", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def detail(production_id: str) -> Any:
    production = visible_production(actor(), production_id)
    form = MemberForm()
    if form.validate_on_submit():
        user = db.session.execute(
            select(User).where(User.email == normalise_email(form.email.data or ""))
        ).scalar_one_or_none()
        if user is None:
            form.email.errors = ["No user with this e-mail."]
        else:
            try:
                services.add_member(production, user.id, actor_id=actor().id)
            except ServiceError as exc:
                discard()
                form.email.errors = [exc.message]
            else:
                flash(f"{user.email} is now a member.", "success")
                return redirect(url_for("productions_pages.detail", production_id=production.id))
    members = db.session.execute(
        select(User)
        .join(ProductionMember, ProductionMember.user_id == User.id)
        .where(ProductionMember.production_id == production.id)
        .order_by(User.email)
    ).scalars()
    return render_template(
        "productions/detail.html", production=production, form=form, members=list(members)
    )


@bp.route("/<production_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def edit(production_id: str) -> Any:
    production = visible_production(actor(), production_id)
    form = ProductionForm(obj=production)
    if form.validate_on_submit():
        try:
            changed = services.update_production(
                production,
                {
                    "title": form.title.data,
                    "code": form.code.data,
                    "kind": form.kind.data,
                    "phase": form.phase.data,
                    "webhook_url": form.webhook_url.data or None,
                },
                actor_id=actor().id,
            )
        except ServiceError as exc:
            discard()
            for field, messages in exc.errors.items():
                getattr(form, field).errors = list(messages)
        else:
            if changed:
                names = ", ".join(form[name].label.text.lower() for name in changed)
                flash(f"Saved {production.title}: {names} changed.", "success")
            else:
                flash("Nothing changed.", "success")
            return redirect(url_for("productions_pages.detail", production_id=production.id))
    status = 422 if form.errors else 200
    return render_template("productions/edit.html", production=production, form=form), status


@bp.route("/<production_id>/members/<user_id>/remove", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def remove_member(production_id: str, user_id: str) -> Any:
    """Confirmation page (GET), then the removal (POST)."""
    production = visible_production(actor(), production_id)
    member = db.session.get(ProductionMember, (production.id, user_id))
    user = db.session.get(User, user_id)
    if member is None or user is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        services.remove_member(production, user.id, actor_id=actor().id)
        flash(f"{user.email} is no longer a member of {production.title}.", "success")
        return redirect(url_for("productions_pages.detail", production_id=production.id))
    return render_template(
        "productions/confirm_remove_member.html", production=production, user=user, form=form
    )
