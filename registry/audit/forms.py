"""The Audit trail page's forms: its buttons (Flask-WTF's CSRF check), the filter of the trail
(a GET form, no CSRF) and the export of a range."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError


class ActionForm(FlaskForm):
    """A POST button (ask for a records check)."""


class TrailFilterForm(FlaskForm):
    """Which events to show: by action, actor, subject and dates (in the person's zone; the
    "to" date includes that whole day). Choices of action and actor are set by the page."""

    class Meta:
        csrf = False

    action = StringField(
        "Action",
        validators=[Optional(), Length(max=64)],
        description="An action (consent.revoked), or its start (user.) for all of them",
    )
    actor = SelectField("Actor", choices=[], validators=[Optional()], validate_choice=False)
    subject = StringField(
        "Subject",
        validators=[Optional(), Length(max=80)],
        description="A record's id (cns_…), or a kind of record (consent)",
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date must not be before the start date.")


class ExportForm(FlaskForm):
    """Export the events of a date range (POST: a checkpoint may be signed to cover it)."""

    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date must not be before the start date.")
