"""Legal's work on a GenAI declaration's page: send it back to the declarer with a question
(recorded, audited, notified; the declarer answers on the page; the triage is unchanged),
clear it through a confirmation page that keeps the note on a bad input, refuse it through the
shared confirmation pattern."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.approvals.models import Approval, Question, Refusal
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.reminders.models import Reminder
from registry.triage.models import Declaration, TriageRecord
from tests.triage.test_pages import Pages, _form, _text
from tests.triage.world import TriageWorld


@pytest.fixture
def world(ctx: Flask, client: FlaskClient) -> TriageWorld:
    return TriageWorld(client)


def _declared(pages: Pages, world: TriageWorld) -> str:
    answer = pages.post(pages.lead, "/declarations/new", _form(world))
    assert answer.status_code == 302, _text(answer)
    return str(answer.headers["Location"])


def _notices(kind: str) -> list[Reminder]:
    return list(db.session.execute(select(Reminder).where(Reminder.kind == kind)).scalars())


def _level(url: str) -> str:
    decl = db.session.get(Declaration, url.rstrip("/").split("/")[-1])
    assert decl is not None
    triage = db.session.get(TriageRecord, decl.current_triage_id)
    assert triage is not None
    return triage.level


def test_legal_asks_the_declarer_who_answers_on_the_page(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    url = _declared(pages, world)
    declarer = db.session.get(Declaration, url.rstrip("/").split("/")[-1])
    assert declarer is not None
    assert "Send back with this question" in _text(pages.get(pages.legal, url))
    assert "Send back with this question" not in _text(pages.get(pages.lead, url))
    empty = pages.post(pages.legal, f"{url}/questions", {"body": ""})
    assert empty.status_code == 422 and "Write your question." in _text(empty)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    asked = pages.post(pages.legal, f"{url}/questions", {"body": "Who painted the poster?"})
    assert asked.status_code == 302
    question = db.session.execute(select(Question)).scalar_one()
    assert question.declaration_id == declarer.id and question.kind == "question"
    assert db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "question.asked")
    ).scalar_one()
    told = _notices("declaration.question")
    assert [n.recipients for n in told] == [[declarer.created_by]]
    assert 'Legal asks about "Festival poster"' in (told[0].title or "")
    queue = _text(pages.get(pages.legal, "/approvals/"))
    assert "Waiting for the declarer's answer" in queue
    page = _text(pages.get(pages.lead, url))
    assert "Who painted the poster?" in page and "Send the answer" in page
    answered = pages.post(pages.lead, f"{url}/answers", {"body": "Our art department, by hand."})
    assert answered.status_code == 302
    assert db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "question.answered")
    ).scalar_one()
    assert len(_notices("declaration.answered")) == 1
    assert "Our art department, by hand." in _text(pages.get(pages.legal, url))
    assert _level(url) == "escalate"  # nothing decided by the thread


def test_clearing_keeps_the_note_and_refusing_is_confirmed(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    url = _declared(pages, world)
    detail = pages.get(pages.legal, url).get_data(as_text=True)
    assert (
        f'href="{url}/approve"' in detail and f'class="button danger" href="{url}/refuse"' in detail
    )
    bad = pages.post(pages.legal, f"{url}/approve", {"note": "Artist's own work; licence on file"})
    assert bad.status_code == 422
    assert "Artist&#39;s own work; licence on file" in bad.get_data(as_text=True)
    assert "Choose the signed approval to upload." in _text(bad)
    assert db.session.scalar(select(func.count()).select_from(Approval)) == 0
    # Refusing: the reason, the confirmation page, then the refusal.
    confirm = pages.post(pages.legal, f"{url}/refuse", {"reason": "Use a concept artist"})
    assert confirm.status_code == 200 and "Refuse this declaration?" in _text(confirm)
    assert db.session.scalar(select(func.count()).select_from(Refusal)) == 0
    done = pages.post(
        pages.legal, f"{url}/refuse", {"reason": "Use a concept artist", "confirm": "yes"}
    )
    assert done.status_code == 302
    assert db.session.execute(select(Refusal)).scalar_one().reason == "Use a concept artist"
    assert len(_notices("declaration.refused")) == 1
