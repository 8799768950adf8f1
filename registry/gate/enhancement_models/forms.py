"""Model forms (Flask-WTF: CSRF-checked): register, record a clearance, retire. The rules are in
the API schemas; the pages load these forms' data through them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField

from registry.gate.use_requests.forms import CheckboxesField, SourceForm

SOURCE_ROWS = 4


class ModelForm(FlaskForm):
    name = StringField("Name")
    production_id = SelectField("Bound to production (for good)", validate_choice=False)
    performer_ids = CheckboxesField("Performers whose material trained it", validate_choice=False)
    training_sources = FieldList(FormField(SourceForm), min_entries=SOURCE_ROWS)
    scope = TextAreaField("Scope of work agreed with the talent")
    fingerprint_sha256 = StringField("Fingerprint: SHA-256 of the weights")
    vendor = StringField("Vendor")


class ClearanceForm(FlaskForm):
    source = HiddenField()
    evidence_sha256 = StringField("SHA-256 of the clearance evidence")
    note = TextAreaField("Clearance note")


class RetireForm(FlaskForm):
    reason = StringField("Reason")
    confirm = HiddenField()
