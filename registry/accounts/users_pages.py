"""Admin pages for the people who use the registry: the list of users, inviting one (they set
their password through a link sent by e-mail), changing a role, sending a password reset link,
and revoking a user (the shared confirmation pattern). A change of role or a revocation ends
every session of that user (``registry.accounts.services``); every step is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from registry.accounts import invitations, services
from registry.accounts.forms import ButtonForm, InviteForm, RoleForm
from registry.accounts.models import User
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, roles_required

bp = Blueprint("users_pages", __name__, url_prefix="/users")
bp.before_request(authenticate_page)

ROLE_NAMES = {
    "admin": "Admin",
    "talent_rep": "Talent rep",
    "vfx_lead": "VFX lead",
    "legal": "Legal",
    "auditor": "Auditor",
}


def status(user: User) -> str:
    if not user.active:
        return "Revoked"
    if not user.password_hash:
        return "Invited"
    return "Active"


def _user(user_id: str) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _detail(user_id: str) -> Any:
    return redirect(url_for("users_pages.detail", user_id=user_id))


@bp.route("")
@roles_required("admin")
def index() -> Any:
    users = db.session.execute(select(User).order_by(User.name, User.email)).scalars()
    return render_template(
        "accounts/users/index.html", users=list(users), status=status, role_names=ROLE_NAMES
    )


@bp.route("/invite", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def invite() -> Any:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = invitations.invite(
                form.email.data or "",
                form.role.data or "",
                form.name.data or "",
                actor_id=actor().id,
            )
        except ServiceError as exc:
            discard()
            if exc.errors:
                for name, messages in exc.errors.items():
                    target = getattr(form, name, None)
                    if target is not None:
                        target.errors = list(messages)
            else:
                form.form_errors.append(exc.message)
        else:
            flash(
                f"Invitation sent to {user.email}. The link works once, for "
                f"{int(invitations.INVITATION_LIFETIME.total_seconds() // 3600)} hours.",
                "success",
            )
            return _detail(user.id)
    status_code = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/users/invite.html", form=form), status_code


@bp.route("/<user_id>")
@roles_required("admin")
def detail(user_id: str) -> Any:
    user = _user(user_id)
    return render_template(
        "accounts/users/detail.html",
        user=user,
        status=status(user),
        role_names=ROLE_NAMES,
        role_form=RoleForm(role=user.role),
        button=ButtonForm(),
        is_me=user.id == actor().id,
    )


@bp.route("/<user_id>/role", methods=["POST"])
@roles_required("admin")
@unit_of_work()
def change_role(user_id: str) -> Any:
    user = _user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a role.", "error")
        return _detail(user.id)
    if user.id == actor().id:
        flash("You cannot change your own role: ask another admin.", "error")
        return _detail(user.id)
    if not user.active:
        flash("This user is revoked; their role cannot change.", "error")
        return _detail(user.id)
    if services.set_role(user, form.role.data or "", actor_id=actor().id):
        flash(f"{user.email} is now {ROLE_NAMES[user.role]}. Their sessions have ended.", "success")
    else:
        flash(f"{user.email} is {ROLE_NAMES[user.role]} already.", "success")
    return _detail(user.id)


@bp.route("/<user_id>/password-link", methods=["POST"])
@roles_required("admin")
@unit_of_work()
def send_link(user_id: str) -> Any:
    """A password reset link (or, to a user who never set one, the invitation again)."""
    user = _user(user_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        flash("The form expired. Please send it again.", "error")
        return _detail(user.id)
    invited = not user.password_hash
    try:
        if invited and user.active:
            invitations.issue_and_send(user, "invitation", actor_id=actor().id)
        else:
            invitations.send_reset(user, actor_id=actor().id)
    except ServiceError as exc:
        discard()
        flash(exc.message, "error")
        return _detail(user.id)
    what = "A new invitation" if invited else "A password reset link"
    hours = int(
        invitations.LIFETIMES["invitation" if invited else "password_reset"].total_seconds()
    )
    flash(
        f"{what} was sent to {user.email}; it works once, for {hours // 3600} "
        f"hour{'s' if hours >= 7200 else ''}. Earlier links stop working.",
        "success",
    )
    return _detail(user.id)


@bp.route("/<user_id>/revoke", methods=["GET", "POST"])
@roles_required("admin")
@unit_of_work()
def revoke(user_id: str) -> Any:
    """Confirmation page (GET), then the revocation (POST)."""
    user = _user(user_id)
    if user.id == actor().id:
        flash("You cannot revoke yourself: ask another admin.", "error")
        return _detail(user.id)
    if not user.active:
        flash(f"{user.email} is revoked already.", "success")
        return _detail(user.id)
    form = ButtonForm()
    if form.validate_on_submit():
        services.revoke_user(user, actor_id=actor().id)
        flash(
            f"{user.email} is revoked: they cannot sign in, their API tokens and sessions "
            "have ended.",
            "success",
        )
        return _detail(user.id)
    return render_template(
        "accounts/users/confirm_revoke.html", user=user, form=form, role_names=ROLE_NAMES
    )
