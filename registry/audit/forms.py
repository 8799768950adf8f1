"""The Audit trail page's button: no fields, only Flask-WTF's CSRF check."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A POST button (ask for a records check)."""
