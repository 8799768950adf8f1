"""Legal's daily work on the pages: the queue (oldest first, filters by production, kind and
age, the count the navigation shows), approving through a confirmation page that keeps what
legal typed on a bad input, declining through the shared confirmation pattern, and sending a
request back to its requester with a question (recorded, audited, notified, answered on the
request's page, no outcome changed)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from registry.approvals.models import Approval, ApprovalDocument, Question, Refusal
from registry.audit.models import AuditEvent
from registry.core.clock import utcnow
from registry.extensions import db
from registry.gate.queue import queue_count
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from registry.reminders.models import Reminder
from tests.factories import make_production, stored_consent, stored_performer, unique_pdf
from tests.gate.test_pages import People, _ask, _text


def _escalated(people: People, name: str, description: str, production: object = None) -> str:
    """An escalated replica.create request asked by the lead on the page; its id."""
    performer = stored_performer(name)
    where = production or people.production
    stored_consent(performer, where, ["digital_replica"])  # type: ignore[arg-type]
    asked = _ask(
        people.vfx_client,
        "replica.create",
        {
            "production_id": where.id,  # type: ignore[attr-defined]
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": description,
        },
    )
    assert asked.status_code == 302, _text(asked)
    request_id = str(asked.headers["Location"]).rstrip("/").split("/")[-1]
    assert "Not yet: written approval" in _text(people.vfx_client.get(asked.headers["Location"]))
    return request_id


def _count(model: object) -> int:
    return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())  # type: ignore[arg-type]


def _notices(kind: str) -> list[Reminder]:
    return list(db.session.execute(select(Reminder).where(Reminder.kind == kind)).scalars())


def test_the_queue_is_oldest_first_filtered_and_counted(ctx: Flask, app: Flask) -> None:
    people = People(app)
    other = make_production(members=(people.vfx,))
    _escalated(people, "Nia Stone", "Double for the roof jump, scene 3")
    old = _escalated(people, "Ode Marsh", "Double for the flood, scene 40", other)
    row = db.session.get(UseRequest, old)
    assert row is not None
    row.created_at = utcnow() - timedelta(days=10)
    db.session.flush()
    assert queue_count(people.legal) == 2
    assert queue_count(people.vfx) == 0  # nobody else is waited on
    page = _text(people.legal_client.get("/approvals/"))
    assert page.index("Double for the flood") < page.index("Double for the roof jump")
    by_production = _text(people.legal_client.get(f"/approvals/?production_id={other.id}"))
    assert "Double for the flood" in by_production and "roof jump" not in by_production
    by_age = _text(people.legal_client.get("/approvals/?age=7"))
    assert "Double for the flood" in by_age and "roof jump" not in by_age
    by_kind = _text(people.legal_client.get("/approvals/?kind=alteration"))
    assert "Double for the" not in by_kind and "No use request waits" in by_kind
    declarations_only = _text(people.legal_client.get("/approvals/?kind=declaration"))
    assert "Double for the" not in declarations_only
    assert people.legal_client.get("/approvals/?kind=nonsense").status_code == 400
    assert people.legal_client.get("/approvals/?age=3").status_code == 400


def test_approving_has_a_confirmation_page_that_keeps_the_note(ctx: Flask, app: Flask) -> None:
    people = People(app)
    request_id = _escalated(people, "Rhea Holt", "Double for the pier fall, scene 31")
    queue = people.legal_client.get("/approvals/").get_data(as_text=True)
    link = f"/approvals/{request_id}/approve"
    assert f'href="{link}"' in queue  # the queue leads to the confirmation page
    confirm = people.legal_client.get(link)
    assert confirm.status_code == 200
    page = _text(confirm)
    assert "Approve this request in writing?" in page
    assert "the requester is told" in page and "Rhea Holt" in page
    decision_id = re.search(r'name="decision_id" type="hidden" value="([^"]+)"', page)
    assert decision_id
    # A bad input (no document) comes back with the note as typed and says why.
    note = "Rider signed 21 Nov; checked clause 4 & scope"
    bad = people.legal_client.form(
        link,
        {"note": note, "decision_id": decision_id.group(1)},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    text = _text(bad)
    assert "Choose the signed approval to upload." in text
    assert "Rider signed 21 Nov; checked clause 4 &amp; scope" in text
    assert 'class="error-summary"' in text
    assert _count(Approval) == 0 and _count(ApprovalDocument) == 0
    done = people.legal_client.form(
        link,
        {
            "note": note,
            "decision_id": decision_id.group(1),
            "document": (io.BytesIO(unique_pdf()), "rider.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302, _text(done)
    assert _count(Approval) == 1
    assert "Allowed: you may go ahead." in _text(people.vfx_client.get(done.headers["Location"]))
    approved = _notices("request.approved")
    assert [n.recipients for n in approved] == [[people.vfx.id]]


def test_declining_goes_through_the_shared_confirmation(ctx: Flask, app: Flask) -> None:
    people = People(app)
    request_id = _escalated(people, "Saul Webb", "Double for the car chase, scene 8")
    queue = people.legal_client.get("/approvals/").get_data(as_text=True)
    url = f"/approvals/{request_id}/decline"
    assert f'class="button danger" href="{url}"' in queue
    assert "Decline:" in _text(people.legal_client.get(url))
    empty = people.legal_client.form(url, {"reason": "  "})
    assert empty.status_code == 422 and "Say why you decline" in _text(empty)
    confirm = people.legal_client.form(url, {"reason": "No stunt rider on file"})
    assert confirm.status_code == 200
    page = _text(confirm)
    assert "Decline this request?" in page and "No stunt rider on file" in page
    assert 'name="confirm" type="hidden" value="yes"' in page
    assert _count(Refusal) == 0  # nothing until confirmed
    done = people.legal_client.form(url, {"reason": "No stunt rider on file", "confirm": "yes"})
    assert done.status_code == 302
    refusal = db.session.execute(select(Refusal)).scalar_one()
    assert refusal.reason == "No stunt rider on file" and refusal.request_id == request_id
    current = db.session.get(DecisionRecord, refusal.decision_id)
    assert current is not None and current.outcome == "escalate"  # the outcome stays
    assert [n.recipients for n in _notices("request.refused")] == [[people.vfx.id]]
    assert queue_count(people.legal) == 0
    assert "Declined by legal" in _text(people.legal_client.get("/approvals/"))
    assert people.legal_client.get(f"/approvals/{request_id}/approve").status_code == 302


def test_legal_sends_a_request_back_with_a_question_and_the_lead_answers(
    ctx: Flask, app: Flask
) -> None:
    people = People(app)
    request_id = _escalated(people, "Tess Lowe", "Double for the ballroom, scene 22")
    detail = f"/requests/{request_id}"
    legal_page = _text(people.legal_client.get(detail))
    assert "Send back with this question" in legal_page
    assert "Send back with this question" not in _text(people.vfx_client.get(detail))
    # An empty question is refused, naming the field; nothing is written.
    empty = people.legal_client.form(f"{detail}/questions", {"body": " "})
    assert empty.status_code == 422 and "Write your question." in _text(empty)
    assert _count(Question) == 0
    asked = people.legal_client.form(
        f"{detail}/questions", {"body": "Which takes does the double replace?"}
    )
    assert asked.status_code == 302
    question = db.session.execute(select(Question)).scalar_one()
    assert question.kind == "question" and question.author_id == people.legal.id
    assert db.session.execute(
        select(AuditEvent).where(
            AuditEvent.action == "question.asked", AuditEvent.subject_id == question.id
        )
    ).scalar_one()
    told = _notices("request.question")
    assert [n.recipients for n in told] == [[people.vfx.id]]
    assert told[0].link_path == f"/requests/{request_id}#questions"
    assert "Legal asks about your replica.create request" in (told[0].title or "")
    # It waits for the requester: shown in the queue, not counted as legal's to do.
    assert "Waiting for the requester's answer" in _text(people.legal_client.get("/approvals/"))
    assert queue_count(people.legal) == 0
    lead_page = _text(people.vfx_client.get(detail))
    assert "Which takes does the double replace?" in lead_page
    assert "Send the answer" in lead_page
    # Only the requester answers.
    assert people.outsider_client.form(f"{detail}/answers", {"body": "x"}).status_code == 404
    answered = people.vfx_client.form(f"{detail}/answers", {"body": "Takes 3 and 4 only."})
    assert answered.status_code == 302
    assert [n.recipients for n in _notices("request.answered")] == [[people.legal.id]]
    assert queue_count(people.legal) == 1
    page = _text(people.legal_client.get(detail))
    assert page.index("Which takes does the double replace?") < page.index("Takes 3 and 4 only.")
    # The thread decided nothing: the request is still escalated and approvable.
    req = db.session.get(UseRequest, request_id)
    assert req is not None
    current = db.session.get(DecisionRecord, req.current_decision_id)
    assert current is not None and current.outcome == "escalate"
    assert "Approve in writing…" in page
