"""Shapes of notifications, deliveries and calendar links in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.reminders.messages import EVENTS
from registry.reminders.models import CHANNELS, DELIVERY_STATUSES, KINDS
from registry.web.schemas import PageSchema, PaginationSchema


class NotificationSchema(Schema):
    """A reminder or notice delivered in the app. Consent events name the consent; notices
    about other records (a declaration, a use request) name it in ``about`` and ``link``."""

    id = fields.String(required=True)
    event = fields.String(required=True, validate=validate.OneOf(sorted(EVENTS.values())))
    subject = fields.String(allow_none=True)
    consent_id = fields.String(required=True, allow_none=True)
    consent_version_id = fields.String(required=True, allow_none=True)
    about = fields.String(
        required=True, allow_none=True, metadata={"description": "e.g. declaration/gdl_..."}
    )
    link = fields.String(required=True, metadata={"description": "the page it is about"})
    production_id = fields.String(required=True)
    threshold_days = fields.Integer(allow_none=True)
    expires_at = fields.DateTime(required=True, allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)


class ReadResultSchema(Schema):
    marked_read = fields.Integer(required=True)


class DeliveryFilterSchema(PaginationSchema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))


class DeliverySchema(Schema):
    id = fields.String(required=True)
    reminder_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    recipient = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES))
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(required=True)
    last_error = fields.String(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    consent_id = fields.String(required=True)
    consent_version_id = fields.String(required=True)
    threshold_days = fields.Integer(required=True)


class DeliveryPageSchema(PageSchema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class CalendarLinkSchema(Schema):
    url = fields.String(required=True)


class RevokedSchema(Schema):
    revoked = fields.Integer(required=True)
