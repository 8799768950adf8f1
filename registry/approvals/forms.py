"""The approval form on the legal queue (Flask-WTF: CSRF-checked)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField


class ApprovalForm(FlaskForm):
    decision_id = HiddenField()
    note = TextAreaField("Approval note (what was checked and approved)")
    evidence_sha256 = StringField("SHA-256 of the signed approval")
    clears_sources = BooleanField(
        "The approval states that the unowned training material is cleared"
    )
    confirms_estate = BooleanField(
        "The approval confirms the estate's permission for this use (R15)"
    )
