"""Send back with a question: the short thread between legal and the requester on one escalated
item (a use request or a GenAI declaration). Legal asks (``question``), the requester answers
(``answer``); each message is recorded and audited. The thread changes no outcome: the item
stays escalated until legal approves or declines it.

Who may ask or answer, and who is told, is the owning feature's business
(``gate/use_requests/questions.py``, ``triage/questions.py``); this module only writes and reads
the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from registry.approvals.models import Question
from registry.audit.trail import record
from registry.core.errors import Invalid
from registry.core.ids import new_id
from registry.extensions import db

if TYPE_CHECKING:
    from registry.accounts.models import User

MAX_BODY = 4000
SUBJECTS = ("request", "declaration")


@dataclass(frozen=True)
class Message:
    id: str
    kind: str
    body: str
    author_id: str | None
    created_at: datetime


def checked_body(text: str | None, *, label: str) -> str:
    """The message as typed, stripped; an empty or too long one is refused, naming the field."""
    body = (text or "").strip()
    if not body:
        raise Invalid("Some fields are invalid.", {"body": [f"Write your {label}."]})
    if len(body) > MAX_BODY:
        raise Invalid(
            "Some fields are invalid.",
            {"body": [f"Your {label} is too long: at most {MAX_BODY} characters."]},
        )
    return body


def add(
    subject: str, subject_id: str, kind: str, body: str, *, user: User, now: datetime
) -> Question:
    """Append a message to the item's thread; flushes and audits (never the text itself: the
    trail names the thread, the record's state event hashes it)."""
    assert subject in SUBJECTS and kind in ("question", "answer")
    message = Question(
        id=new_id("qst"),
        request_id=subject_id if subject == "request" else None,
        declaration_id=subject_id if subject == "declaration" else None,
        kind=kind,
        body=body,
        author_id=user.id,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    record(
        "question.asked" if kind == "question" else "question.answered",
        "question",
        message.id,
        {f"{subject}_id": subject_id, "kind": kind},
        actor_id=user.id,
    )
    return message


def thread(subject: str, subject_id: str) -> list[Message]:
    """The item's messages, oldest first (the caller names their authors)."""
    column = Question.request_id if subject == "request" else Question.declaration_id
    rows = db.session.execute(
        select(Question).where(column == subject_id).order_by(Question.created_at, Question.id)
    ).scalars()
    return [Message(q.id, q.kind, q.body, q.author_id, q.created_at) for q in rows]


def waiting(subject: str, subject_ids: list[str]) -> set[str]:
    """Which of these items wait for the requester's answer (their last message is a question)."""
    if not subject_ids:
        return set()
    column = Question.request_id if subject == "request" else Question.declaration_id
    last: dict[str, str] = {}
    for sid, kind in db.session.execute(
        select(column, Question.kind)
        .where(column.in_(subject_ids))
        .order_by(Question.created_at, Question.id)
    ):
        last[str(sid)] = kind
    return {sid for sid, kind in last.items() if kind == "question"}


def askers(subject: str, subject_id: str) -> list[str]:
    """The users who asked on this item (told when the requester answers)."""
    column = Question.request_id if subject == "request" else Question.declaration_id
    return sorted(
        {
            str(a)
            for a in db.session.execute(
                select(Question.author_id).where(column == subject_id, Question.kind == "question")
            ).scalars()
            if a
        }
    )
