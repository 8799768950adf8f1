"""The approval and refusal forms on legal's pages (Flask-WTF: CSRF-checked). An approval on
the pages comes with the signed document itself (hashed on the server); the API takes a hash."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, TextAreaField

DOCUMENT_LABEL = "Signed approval (PDF or image)"
DOCUMENT_AGAIN = "Choose the signed approval again: a browser does not send a file twice."


class ApprovalForm(FlaskForm):
    note = TextAreaField("Approval note (what was checked and approved)")
    document = FileField(DOCUMENT_LABEL)


class RequestApprovalForm(ApprovalForm):
    decision_id = HiddenField()
    clears_sources = BooleanField(
        "The approval states that the unowned training material is cleared"
    )
    confirms_estate = BooleanField(
        "The approval confirms the estate's permission for this use (R15)"
    )


class DeclarationApprovalForm(ApprovalForm):
    triage_id = HiddenField()
    no_approval_needed = BooleanField(
        "No written approval is needed: record my guidance instead (only for an escalation "
        "for guidance)"
    )


class RefusalForm(FlaskForm):
    reason = TextAreaField("Reason (the requester reads it)")
    confirm = HiddenField()


class QuestionForm(FlaskForm):
    """Legal sends an escalated item back to the requester with a question."""

    body = TextAreaField("Your question to the requester")


class AnswerForm(FlaskForm):
    """The requester answers legal's question."""

    body = TextAreaField("Your answer to legal")
