"""Send back with a question, on a GenAI use declaration: legal asks the declarer about an
escalated declaration, the declarer answers on the declaration's page. Each message is recorded
and audited (``approvals.questions``) and the other side is told (the notices outbox). Nothing
here clears or refuses: the declaration stays escalated until legal does.
"""

from __future__ import annotations

from datetime import datetime

from registry.accounts.models import User
from registry.approvals import questions
from registry.approvals.models import Question
from registry.core.errors import Conflict, Forbidden
from registry.extensions import db
from registry.productions.models import Production
from registry.reminders.outbox import tell
from registry.triage.approvals import APPROVERS
from registry.triage.declarations import current_triage, current_version, visible_declaration
from registry.triage.models import Declaration


def ask(declaration_id: str, text: str | None, *, user: User, now: datetime) -> Question:
    """Legal sends the escalated declaration back to its declarer with a question."""
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal sends a declaration back with a question.")
    decl = visible_declaration(user, declaration_id, lock=True)
    body = questions.checked_body(text, label="question")
    if current_triage(decl).level != "escalate":
        raise Conflict("Only an escalated declaration can be sent back with a question.")
    message = questions.add("declaration", decl.id, "question", body, user=user, now=now)
    if decl.created_by:
        _tell(decl, "declaration.question", [decl.created_by], "Legal asks about", now)
    return message


def answer(declaration_id: str, text: str | None, *, user: User, now: datetime) -> Question:
    """The declarer answers legal's question on the declaration's page."""
    decl = visible_declaration(user, declaration_id, lock=True)
    if decl.created_by != user.id:
        raise Forbidden("Only the person who declared this use answers legal's questions.")
    body = questions.checked_body(text, label="answer")
    people = questions.askers("declaration", decl.id)
    if not people:
        raise Conflict("Legal has asked nothing about this declaration.")
    message = questions.add("declaration", decl.id, "answer", body, user=user, now=now)
    _tell(decl, "declaration.answered", people, "The declarer answered about", now)
    return message


def can_answer(user: User, decl: Declaration) -> bool:
    return decl.created_by == user.id and decl.id in questions.waiting("declaration", [decl.id])


def _tell(decl: Declaration, kind: str, people: list[str], what: str, now: datetime) -> None:
    production = db.session.get(Production, decl.production_id)
    code = production.code if production is not None else decl.production_id
    tell(
        kind,
        production_id=decl.production_id,
        recipients=people,
        title=f'{what} "{current_version(decl).title}" in {code}',
        link_path=f"/declarations/{decl.id}#questions",
        subject=("declaration", decl.id),
        now=now,
    )
