"""Triage's pages driven as a person would (forms with CSRF): declare with the principles in
the guidance's words, read the triage in plain words, legal clears with the signed document,
the final-cut check lists the blocking files first."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.approvals.models import Approval, ApprovalDocument
from registry.extensions import db
from registry.productions import services as productions
from registry.rules.triage_table import PRINCIPLE_WORDS
from tests.factories import csrf_token, login, make_user, sha, sha256_of, unique_pdf
from tests.triage.world import TriageWorld, counts


def _text(response: Any) -> str:
    """The page as read: tags dropped, white space collapsed."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
    return re.sub(r" ([:.,;])", r"\1", text)


class Pages:
    """A signed-in page client per role, each request in its own app context."""

    def __init__(self, app: Flask, world: TriageWorld) -> None:
        self.app = app
        lead, _ = make_user("vfx_lead")
        legal, _ = make_user("legal")
        for user in (lead, legal):
            productions.add_member(world.production, user.id, actor_id=None)
        db.session.commit()
        self.lead = self._client(lead)
        self.legal = self._client(legal)

    def _client(self, user: Any) -> FlaskClient:
        client = self.app.test_client()
        with self.app.app_context():
            login(client, user)
        return client

    def get(self, client: FlaskClient, path: str) -> Any:
        with self.app.app_context():
            return client.get(path)

    def post(self, client: FlaskClient, path: str, data: dict[str, Any], **kw: Any) -> Any:
        with self.app.app_context():
            token = csrf_token(client, "/tools/")
            return client.post(
                path, data={**data, "csrf_token": token}, content_type="multipart/form-data", **kw
            )


@pytest.fixture
def world(ctx: Flask, client: FlaskClient) -> TriageWorld:
    return TriageWorld(client)


def _form(world: TriageWorld, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "production_id": world.production.id,
        "title": "Festival poster",
        "description": "On camera in the market scene; the lead reads it aloud",
        "category": "background_element",
        "output": "final",
        "tool_ids": [world.secure["id"]],
        "prominent": "y",
        **{p: "yes" for p in ("p1", "p2", "p3", "p5")},
        "p4": "no",
    }
    base.update(fields)
    return base


def test_the_declare_form_asks_the_principles_in_the_guidances_words(
    world: TriageWorld, app: Flask
) -> None:
    pages = Pages(app, world)
    page = pages.get(pages.lead, "/declarations/new").get_data(as_text=True)
    for words in PRINCIPLE_WORDS.values():
        assert words in page
    checked = re.findall(
        r'<input checked id="(p[1-5])-\d" name="p[1-5]" type="radio" value="unsure"', page
    )
    assert sorted(checked) == ["p1", "p2", "p3", "p4", "p5"]  # unsure by default
    assert "Using GenAI to create final character designs or key visuals" in page  # the matrix
    assert "Requires escalation as it could impact legal rights" in page
    assert re.search(
        r"<select id=\"production_id\" name=\"production_id\"><option value=\"\">Choose…</option>",
        page,
    )


def test_declaring_on_the_page_shows_the_triage_in_plain_words(
    world: TriageWorld, app: Flask
) -> None:
    pages = Pages(app, world)
    answer = pages.post(pages.lead, "/declarations/new", _form(world))
    assert answer.status_code == 302, _text(answer)
    page = _text(pages.get(pages.lead, answer.headers["Location"]))
    assert "Escalated: the studio contact (legal) decides before anyone proceeds." in page
    assert "May not proceed yet: waiting for legal's written approval." in page
    assert (
        "Next step: clear the rights to the element, then send the declaration to legal for "
        "written approval before anyone proceeds." in page
    )
    assert "Using GenAI to generate background elements (e.g., signage, posters)" in page
    assert "rights clearance" in page and "meaningful human input in the final version" in page
    assert "Clear this declaration" not in page  # a lead does not clear


def test_a_bad_form_keeps_what_was_typed_and_writes_nothing(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    before = counts()
    answer = pages.post(pages.lead, "/declarations/new", _form(world, category="ideation"))
    assert answer.status_code == 422
    page = _text(answer)
    assert "Nothing was declared yet" in page
    assert "Ideation is non-final by definition: choose temporary." in page
    assert 'value="Festival poster"' in answer.get_data(as_text=True)  # what was typed stays
    assert counts() == before


def test_legal_clears_with_the_signed_document_from_the_declaration_page(
    world: TriageWorld, app: Flask
) -> None:
    pages = Pages(app, world)
    declared = pages.post(pages.lead, "/declarations/new", _form(world))
    url = declared.headers["Location"]
    assert "Clear this declaration" in pages.get(pages.legal, url).get_data(as_text=True)
    page = pages.get(pages.legal, f"{url}/approve").get_data(as_text=True)
    assert "Clear this declaration in writing?" in page
    triage_id = re.search(r'id="triage_id" name="triage_id" type="hidden" value="([^"]+)"', page)
    assert triage_id
    before = db.session.scalar(select(func.count()).select_from(Approval))
    missing = pages.post(
        pages.legal, f"{url}/approve", {"triage_id": triage_id.group(1), "note": "ok"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Choose the signed approval to upload." in _text(missing)
    assert db.session.scalar(select(func.count()).select_from(Approval)) == before
    document = unique_pdf()
    approved = pages.post(
        pages.legal,
        f"{url}/approve",
        {"triage_id": triage_id.group(1), "note": "Artist repainted it; rights cleared",
         "document": (io.BytesIO(document), "approval.pdf")},
    )  # fmt: skip
    assert approved.status_code == 302
    page = _text(pages.get(pages.lead, url))
    assert "May proceed: approved in writing by legal." in page
    assert "go ahead: legal has cleared this use" in page
    approval = db.session.execute(select(Approval)).scalar_one()
    assert approval.evidence_sha256 == sha256_of(document)
    stored = db.session.get(ApprovalDocument, approval.document_id)
    assert stored is not None and stored.content_ct is not None
    assert document not in bytes(stored.content_ct)  # encrypted at rest
    link = re.search(
        r'href="(/declarations/[^"]+/documents/[^"]+)"',
        page_html := pages.get(pages.legal, url).get_data(as_text=True),
    )
    assert link, page_html
    download = pages.get(pages.legal, link.group(1))
    assert download.status_code == 200 and download.data == document
    assert download.headers["Cache-Control"] == "private, no-store"


def test_the_legal_queue_lists_escalated_declarations(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    body = world.declared(title="Killer doll two", category="key_creative", output="final")
    answer = pages.get(pages.legal, "/approvals/")
    queue = _text(answer)
    assert "GenAI declarations waiting for legal" in queue
    assert "Killer doll two" in queue, queue
    assert f'href="/declarations/{body["id"]}"' in answer.get_data(as_text=True)
    world.approve(body["id"])
    assert "Killer doll two" not in _text(pages.get(pages.legal, "/approvals/"))


def test_the_final_cut_page_lists_the_blocking_files_first(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    mockup = world.declared(category="background_element")
    temp = sha("mock-up")
    world.asset(mockup["id"], temp, "temporary")
    pasted = f"{sha('plate')}  plate.exr\n{temp}  poster.png\n"
    answer = pages.post(
        pages.lead, f"/productions/{world.production.id}/final-cut", {"hashes": pasted}
    )
    page = _text(answer)
    assert answer.status_code == 200
    assert "Delivery is blocked." in page
    result = page.split("Delivery is blocked.", 1)[1]
    assert result.index("poster.png") < result.index("plate.exr")  # blocking first
    assert "a temporary asset: generated material stays out of the final deliverables" in page
    manifest = (io.BytesIO(f"{sha('plate')}  plate.exr\n".encode()), "manifest.txt")
    clean = pages.post(
        pages.lead, f"/productions/{world.production.id}/final-cut", {"manifest": manifest}
    )
    assert "Nothing blocks delivery." in _text(clean)
    bad = pages.post(
        pages.lead, f"/productions/{world.production.id}/final-cut", {"hashes": "oops"}
    )
    assert bad.status_code == 422
    assert "line 1: expected a SHA-256" in _text(bad)


def test_tools_show_pass_or_fail_at_a_glance(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    html = pages.get(pages.legal, "/tools/").get_data(as_text=True)
    page = " ".join(html.split())
    assert "StudioGen Enterprise" in page and "PublicChat" in page
    assert page.count('<span class="badge allow">passes</span>') == 1
    assert page.count('<span class="badge deny">fails</span>') == 1
    assert "stores or reuses inputs or outputs; trains on inputs or outputs" in page


def test_the_rules_page_shows_t1_to_t5_next_to_the_guidance(world: TriageWorld, app: Flask) -> None:
    pages = Pages(app, world)
    page = " ".join(pages.get(pages.lead, "/rules").get_data(as_text=True).split())
    for rule in ("T1", "T2", "T3", "T4", "T5"):
        assert f'id="{rule}"' in page
    assert "Using GenAI for talent replication (re-ageing, or synthetic voices)" in page
