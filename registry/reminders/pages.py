"""Pages: the reminders dashboard, in-app notifications, the calendar link, webhook secrets.

The calendar feed itself (``/calendar/<token>.ics``) is public: the token in the URL is the
credential, and it shows only what its owner may see.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from registry.appctx import setting
from registry.core.clock import utcnow
from registry.core.errors import NotFound
from registry.extensions import db
from registry.reminders import calendar, queries, reading, services
from registry.reminders.forms import ActionForm
from registry.reminders.scan import reminder_days
from registry.transactions import discard, unit_of_work
from registry.web.auth import actor, authenticate_page, public, roles_required

bp = Blueprint("reminders_pages", __name__, url_prefix="/reminders")
bp.before_request(authenticate_page)

feed_bp = Blueprint("reminders_calendar", __name__)
feed_bp.before_request(authenticate_page)

DASHBOARD_ROLES = ("admin", "talent_rep", "vfx_lead", "legal")
LIST_LIMIT = 50
NOTIFICATIONS_PER_PAGE = 50


def _labels(rows: list[Any]) -> dict[str, str]:
    if actor().role != "admin":
        return {}
    return queries.recipient_labels({d.recipient for d, *_ in rows})


@bp.route("")
@roles_required(*DASHBOARD_ROLES)
def dashboard() -> Any:
    user = actor()
    now = utcnow()
    days = reminder_days()
    horizon = days[0] if days else 30
    upcoming = queries.live_expiries(user, now, now + timedelta(days=horizon), 200)
    sent_for = queries.sent_thresholds([e.version_id for e in upcoming])
    failed = queries.deliveries(user, ("failed",), LIST_LIMIT)
    pending = queries.deliveries(user, ("pending",), LIST_LIMIT)
    sent = queries.deliveries(user, ("sent",), LIST_LIMIT)
    return render_template(
        "reminders/dashboard.html",
        now=now,
        days=days,
        horizon=horizon,
        upcoming=upcoming,
        sent_for=sent_for,
        failed=failed,
        pending=pending,
        sent=sent,
        counts=queries.delivery_counts(user),
        labels=_labels(failed + pending + sent),
        unread=queries.unread_count(user),
        has_calendar=services.has_calendar_token(user),
        webhooks=queries.webhooks() if user.role == "admin" else [],
        max_attempts=int(setting("REMINDER_MAX_ATTEMPTS")),
        email_on=bool(setting("SMTP_URL")),
        form=ActionForm(),
    )


@bp.route("/notifications")
def notifications() -> Any:
    user = actor()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = db.session.execute(
        queries.notifications_query(user)
        .limit(NOTIFICATIONS_PER_PAGE)
        .offset((page - 1) * NOTIFICATIONS_PER_PAGE)
    ).all()
    return render_template(
        "reminders/notifications.html",
        rows=rows,
        page=page,
        per_page=NOTIFICATIONS_PER_PAGE,
        unread=queries.unread_count(user),
        form=ActionForm(),
    )


@bp.route("/notifications/read", methods=["POST"])
@unit_of_work()
def mark_read() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        count = services.mark_notifications_read(actor())
        flash(f"{count} notification{'s' if count != 1 else ''} marked read.", "success")
    return redirect(url_for("reminders_pages.notifications"))


@bp.route("/notifications/<delivery_id>/read", methods=["POST"])
@unit_of_work()
def mark_one_read(delivery_id: str) -> Any:
    """One notification marked read (its own button, next to the link to its subject)."""
    form = ActionForm()
    if form.validate_on_submit() and reading.mark_one_read(actor(), delivery_id):
        flash("Marked read.", "success")
    page = request.form.get("page", 1, type=int) or 1
    return redirect(url_for("reminders_pages.notifications", page=max(1, page)))


@bp.route("/deliveries/<delivery_id>/retry", methods=["POST"])
@roles_required("admin")
@unit_of_work()
def retry(delivery_id: str) -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        services.retry_delivery(delivery_id, actor_id=actor().id)
        flash("The delivery is queued again; the scheduler sends it on its next pass.", "success")
    return redirect(url_for("reminders_pages.dashboard"))


@bp.route("/calendar", methods=["POST"])
@roles_required(*DASHBOARD_ROLES)
@unit_of_work()
def new_calendar_link() -> Any:
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("reminders_pages.dashboard"))
    token = services.new_calendar_token(actor())
    url = url_for("reminders_calendar.feed", token=token, _external=False)
    base = str(setting("BASE_URL")).rstrip("/")
    # Rendered, not flashed: the token must not travel in the session cookie or a redirect.
    response = Response(
        render_template("reminders/calendar_link.html", feed_url=base + url),
        mimetype="text/html",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/calendar/revoke", methods=["POST"])
@roles_required(*DASHBOARD_ROLES)
@unit_of_work()
def revoke_calendar_link() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        services.revoke_calendar_token(actor())
        flash("Your calendar link no longer works.", "success")
    return redirect(url_for("reminders_pages.dashboard"))


@bp.route("/webhooks/<production_id>/rotate", methods=["POST"])
@roles_required("admin")
@unit_of_work()
def rotate_webhook_secret(production_id: str) -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        services.rotate_webhook_secret(production_id, actor_id=actor().id)
        flash("New webhook secret; give it to the receiving system now.", "success")
    return redirect(url_for("reminders_pages.dashboard") + "#webhooks")


@feed_bp.route("/calendar/<token>.ics")
@public
def feed(token: str) -> Any:
    user = services.user_for_calendar_token(token)
    if user is None:
        raise NotFound("No such calendar.")
    body = calendar.feed(user, utcnow())
    discard()
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="consent-expiries.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
