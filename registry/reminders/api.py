"""JSON endpoints: my notifications, deliveries and retries (admin), my calendar link."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import func, select

from registry.appctx import setting
from registry.extensions import db
from registry.reminders import queries, services
from registry.reminders.messages import EVENTS
from registry.reminders.models import Reminder, ReminderDelivery
from registry.reminders.schemas import (
    CalendarLinkSchema,
    DeliveryFilterSchema,
    DeliveryPageSchema,
    DeliverySchema,
    NotificationPageSchema,
    ReadResultSchema,
    RevokedSchema,
)
from registry.transactions import unit_of_work
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import PaginationSchema

blp = ApiBlueprint(
    "reminders_api",
    __name__,
    url_prefix="/api/v1",
    description="Expiry reminders, notices that consents ended, and calendar links",
)
blp.before_request(authenticate_api)


def _notification(delivery: ReminderDelivery, reminder: Reminder) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event": EVENTS[reminder.kind],
        "subject": delivery.subject,
        "consent_id": reminder.consent_id,
        "consent_version_id": reminder.consent_version_id,
        "about": f"{reminder.subject_type}/{reminder.subject_id}" if reminder.subject_id else None,
        "link": reminder.link_path or "/reminders",
        "production_id": reminder.production_id,
        "threshold_days": reminder.threshold_days if reminder.kind == "expiry" else None,
        "expires_at": reminder.expires_at,
        "sent_at": delivery.sent_at,
        "read_at": delivery.read_at,
    }


def _delivery(delivery: ReminderDelivery, reminder: Reminder) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "reminder_id": reminder.id,
        "kind": reminder.kind,
        "channel": delivery.channel,
        "recipient": delivery.recipient,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_error": delivery.last_error,
        "sent_at": delivery.sent_at,
        "consent_id": reminder.consent_id,
        "consent_version_id": reminder.consent_version_id,
        "threshold_days": reminder.threshold_days,
    }


def _page(stmt: Any, page: int, per_page: int, shape: Any) -> dict[str, Any]:
    total = db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [shape(d, r) for d, r, *_ in rows],
        "page": page,
        "per_page": per_page,
        "total": int(total),
    }


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.doc(operationId="listNotifications")
    @blp.arguments(PaginationSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The caller's in-app notifications, newest first."""
        stmt = queries.notifications_query(actor())
        return _page(stmt, args["page"], args["per_page"], _notification)


@blp.route("/notifications/read")
class NotificationsRead(MethodView):
    @blp.doc(operationId="markNotificationsRead")
    @blp.response(200, ReadResultSchema)
    @unit_of_work()
    def post(self) -> Any:
        """Mark all of the caller's notifications read."""
        count = services.mark_notifications_read(actor())
        return {"marked_read": count}


@blp.route("/reminders/deliveries")
class Deliveries(MethodView):
    @blp.doc(operationId="listDeliveries")
    @roles_required("admin")
    @blp.arguments(DeliveryFilterSchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Every delivery (admin), newest first; filter by ``status`` and ``channel``."""
        stmt = queries.deliveries_query(actor(), (args["status"],) if args.get("status") else None)
        if args.get("channel"):
            stmt = stmt.where(ReminderDelivery.channel == args["channel"])
        stmt = stmt.order_by(ReminderDelivery.created_at.desc(), ReminderDelivery.id.desc())
        return _page(stmt, args["page"], args["per_page"], _delivery)


@blp.route("/reminders/deliveries/<delivery_id>/retry")
class DeliveryRetry(MethodView):
    @blp.doc(operationId="retryDelivery")
    @roles_required("admin")
    @blp.response(200, DeliverySchema)
    @blp.alt_response(404, description="No such delivery")
    @blp.alt_response(409, description="The delivery has not failed")
    @unit_of_work()
    def post(self, delivery_id: str) -> Any:
        """Queue a failed delivery again (admin)."""
        delivery = services.retry_delivery(delivery_id, actor_id=actor().id)
        reminder = db.session.get(Reminder, delivery.reminder_id)
        assert reminder is not None
        return _delivery(delivery, reminder)


@blp.route("/calendar/link")
class CalendarLink(MethodView):
    @blp.doc(operationId="createCalendarLink")
    @roles_required("admin", "talent_rep", "vfx_lead", "legal")
    @blp.response(201, CalendarLinkSchema)
    @unit_of_work()
    def post(self) -> Any:
        """A new private calendar feed URL for the caller (any earlier one stops working)."""
        token = services.new_calendar_token(actor())
        return {"url": f"{str(setting('BASE_URL')).rstrip('/')}/calendar/{token}.ics"}

    @blp.doc(operationId="deleteCalendarLink")
    @blp.response(200, RevokedSchema)
    @unit_of_work()
    def delete(self) -> Any:
        """Turn the caller's calendar feed URL off."""
        count = services.revoke_calendar_token(actor())
        return {"revoked": count}
