"""Send back with a question, on a use request: legal asks the requester about an escalated
request, the requester answers on the request's page. Each message is recorded and audited
(``approvals.questions``) and the other side is told (the notices outbox: in the app, by e-mail,
the production's webhook). Nothing here decides: the request stays escalated until legal
approves or declines it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from registry.accounts.models import User
from registry.approvals import questions
from registry.approvals.models import Question
from registry.core.errors import Conflict, Forbidden
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.use_requests.approvals import APPROVERS
from registry.gate.use_requests.models import UseRequest
from registry.gate.use_requests.services import current_decision, visible_request
from registry.reminders.outbox import tell


def ask(request_id: str, text: str | None, *, user: User, now: datetime) -> Question:
    """Legal sends the escalated request back to its requester with a question."""
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal sends a request back with a question.")
    req = visible_request(user, request_id, lock=True)
    body = questions.checked_body(text, label="question")
    if current_decision(req).outcome != "escalate":
        raise Conflict("Only an escalated request can be sent back with a question.")
    message = questions.add("request", req.id, "question", body, user=user, now=now)
    if req.requested_by:
        _tell(
            req,
            "request.question",
            [req.requested_by],
            "Legal asks about your {kind} request in {where}",
            now,
        )
    return message


def answer(request_id: str, text: str | None, *, user: User, now: datetime) -> Question:
    """The requester answers legal's question on the request's page."""
    req = visible_request(user, request_id, lock=True)
    if req.requested_by != user.id:
        raise Forbidden("Only the person who asked this request answers legal's questions.")
    body = questions.checked_body(text, label="answer")
    people = questions.askers("request", req.id)
    if not people:
        raise Conflict("Legal has asked nothing about this request.")
    message = questions.add("request", req.id, "answer", body, user=user, now=now)
    _tell(
        req,
        "request.answered",
        people,
        "The requester answered about the {kind} request in {where}",
        now,
    )
    return message


def can_answer(user: User, req: UseRequest) -> bool:
    return req.requested_by == user.id and req.id in questions.waiting("request", [req.id])


def author_names(messages: list[questions.Message]) -> dict[str, str]:
    """user id -> name, for the authors of a thread."""
    ids = {m.author_id for m in messages if m.author_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).tuples()
    return {user_id: name for user_id, name in rows}


def _tell(req: UseRequest, kind: str, people: list[str], what: str, now: datetime) -> None:
    production = bridge.production_fact(db.session, req.production_id)
    where = production.code if production is not None else req.production_id
    tell(
        kind,
        production_id=req.production_id,
        recipients=people,
        title=what.format(kind=req.kind, where=where),
        link_path=f"/requests/{req.id}#questions",
        subject=("use_request", req.id),
        now=now,
    )
