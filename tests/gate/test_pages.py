"""The gate's pages, driven like a person would: forms with CSRF, decisions in plain words."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.approvals.models import Approval, ApprovalDocument
from registry.core.clock import as_utc
from registry.extensions import db
from registry.gate.use_requests.models import DecisionRecord
from tests.factories import (
    bearer,
    login,
    make_production,
    make_user,
    post_form,
    sha,
    sha256_of,
    stored_consent,
    stored_performer,
    unique_pdf,
)


class Browser:
    """A test client whose every request runs in an app context of its own.

    The test's own app context (for factories) would otherwise be reused by every request, and
    with it ``g``: Flask-Login's user and the CSRF token would leak between several clients.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()

    def get(self, path: str, **kwargs: Any) -> Any:
        with self.app.app_context():
            return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        with self.app.app_context():
            return self.client.post(path, **kwargs)

    def form(self, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
        with self.app.app_context():
            return post_form(self.client, path, data, **kwargs)

    def login(self, user: Any) -> Browser:
        with self.app.app_context():
            login(self.client, user)
        return self


class People:
    def __init__(self, app: Flask) -> None:
        self.vfx, _ = make_user("vfx_lead")
        self.legal, _ = make_user("legal")
        self.outsider, _ = make_user("vfx_lead")
        self.production = make_production(members=(self.vfx,))
        self.vfx_client = Browser(app).login(self.vfx)
        self.legal_client = Browser(app).login(self.legal)
        self.outsider_client = Browser(app).login(self.outsider)


def _ask(client: Browser, kind: str, data: dict[str, Any]) -> Any:
    return client.form(f"/requests/new/{kind}", data)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_may_i_use_this_alteration_with_noise_reduction_is_allowed_in_plain_words(
    ctx: Flask, app: Flask
) -> None:
    people = People(app)
    performer = stored_performer("Mara Quill")
    client = people.vfx_client
    home = _text(client.get("/requests/new"))
    for words in (
        "Make a digital replica",
        "Use a registered replica",
        "Alter a recorded performance",
        "Use an enhancement model",
        "Train or fine-tune a model",
    ):
        assert words in home
    form = _text(client.get("/requests/new/alteration"))
    assert "Noise reduction" in form and "Mara Quill" in form
    answer = _ask(
        client,
        "alteration",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["voice"],
            "description": "Clean up the hiss on scene 7 dialogue",
            "changes": ["noise_reduction"],
        },
    )
    assert answer.status_code == 302, _text(answer)
    page = _text(client.get(answer.headers["Location"]))
    assert "Allowed: you may go ahead." in page
    assert '<span class="badge allow">allow</span>' in page
    assert "R6" in page and "Talent enhancement" in page
    assert "noise_reduction: customary post-production changes, no consent needed" in page
    assert "customary exception" in page
    assert "no end date: it rests on no consent" in page
    assert "Noise reduction" in page  # the facts, in words


def test_form_errors_name_the_fields_and_nothing_is_asked(ctx: Flask, app: Flask) -> None:
    people = People(app)
    performer = stored_performer()
    before = db.session.execute(select(func.count()).select_from(DecisionRecord)).scalar_one()
    answer = _ask(
        people.vfx_client,
        "alteration",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "description": "",
            "changes": ["noise_reduction"],
        },
    )
    assert answer.status_code == 422
    page = _text(answer)
    assert "Nothing was asked yet" in page
    assert "media" in page and "description" in page
    after = db.session.execute(select(func.count()).select_from(DecisionRecord)).scalar_one()
    assert after == before


def test_escalated_replica_is_approved_from_the_legal_queue_then_registered(
    ctx: Flask, app: Flask
) -> None:
    people = People(app)
    performer = stored_performer("Ines Varga")
    stored_consent(performer, people.production, ["digital_replica"])
    asked = _ask(
        people.vfx_client,
        "replica.create",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": "Digital double for the pier fall, scene 31",
        },
    )
    detail_url = asked.headers["Location"]
    request_id = detail_url.rstrip("/").split("/")[-1]
    page = _text(people.vfx_client.get(detail_url))
    assert "Not yet: written approval from legal is needed before any use." in page
    assert "written approval" in page and "R2" in page
    assert "Approve in writing" not in page  # a vfx_lead does not approve
    queue = _text(people.legal_client.get("/approvals/"))
    assert "Ines Varga" in queue and "Approve in writing" in queue
    # A deny is never approved: refused with the missing items named, nothing written.
    denied = (
        _ask(
            people.vfx_client,
            "replica.create",
            {
                "production_id": people.production.id,
                "performer_id": stored_performer().id,
                "media": ["likeness"],
                "description": "Someone without consent",
            },
        )
        .headers["Location"]
        .rstrip("/")
        .split("/")[-1]
    )
    refused = people.legal_client.form(
        f"/approvals/{denied}",
        {"note": "x", "document": (io.BytesIO(unique_pdf()), "approval.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "never turns a deny into an allow (R14)" in _text(refused)
    # Without the signed document nothing is approved either, and legal is told why.
    no_document = people.legal_client.form(
        f"/approvals/{request_id}", {"note": "x"}, follow_redirects=True
    )
    assert "Choose the signed approval to upload." in _text(no_document)
    assert db.session.execute(select(func.count()).select_from(Approval)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(ApprovalDocument)).scalar_one() == 0
    decision_id = re.search(
        r'name="decision_id" type="hidden" value="([^"]+)"',
        people.legal_client.get(f"/approvals/{request_id}/approve").get_data(as_text=True),
    )
    assert decision_id
    rider = unique_pdf()
    approved = people.legal_client.form(
        f"/approvals/{request_id}",
        {
            "note": "Replica rider signed 21 Nov",
            "document": (io.BytesIO(rider), "rider.pdf"),
            "decision_id": decision_id.group(1),
        },
        content_type="multipart/form-data",
    )
    assert approved.status_code == 302
    approval = db.session.execute(select(Approval)).scalar_one()
    assert approval.evidence_sha256 == sha256_of(rider)  # hashed on the server
    document = db.session.get(ApprovalDocument, approval.document_id)
    assert document is not None and document.sha256 == sha256_of(rider)
    assert document.content_ct is not None and rider not in bytes(document.content_ct)
    page = _text(people.vfx_client.get(detail_url))
    assert "Allowed: you may go ahead." in page
    assert "on a written approval recorded by legal" in page
    assert "Replica rider signed 21 Nov" in page
    assert "Ines Varga" not in _text(people.legal_client.get("/approvals/"))
    made = people.vfx_client.form("/replicas/", {"request_id": request_id})
    assert made.status_code == 302
    replica_page = _text(people.vfx_client.get(made.headers["Location"]))
    assert "Digital replica of Ines Varga" in replica_page
    assert request_id in replica_page
    listing = _text(people.vfx_client.get("/models/"))
    assert "Ines Varga" in listing


def test_model_pages_register_clear_and_show_requests(ctx: Flask, app: Flask) -> None:
    people = People(app)
    performer = stored_performer("Tao Brandt")
    stored_consent(performer, people.production, ["model_training"])
    fingerprint = sha("weights v3")
    made = people.vfx_client.form(
        "/models/new",
        {
            "name": "Brandt de-ageing v3",
            "production_id": people.production.id,
            "performer_ids": [performer.id],
            "training_sources-0-description": "Principal photography dailies",
            "training_sources-0-clearance": "owned",
            "training_sources-1-description": "Archive interviews, 1998",
            "training_sources-1-clearance": "uncleared",
            "scope": "De-ageing in flashbacks, episodes 2 and 5",
            "fingerprint_sha256": fingerprint,
            "vendor": "Pixel Yard",
        },
    )
    assert made.status_code == 302, _text(made)
    model_url = made.headers["Location"]
    page = _text(people.vfx_client.get(model_url))
    assert '<span class="badge blocked">blocked</span>' in page
    assert fingerprint in page and "Tao Brandt" in page and people.production.code in page
    assert "Archive interviews, 1998" in page
    model_id = model_url.rstrip("/").split("/")[-1]
    use = _ask(
        people.vfx_client,
        "model.use",
        {
            "production_id": people.production.id,
            "model_id": model_id,
            "media": ["likeness"],
            "description": "Flashback, episode 2",
        },
    )
    assert "R11" in _text(people.vfx_client.get(use.headers["Location"]))
    queue = _text(people.legal_client.get("/approvals/"))
    assert "Brandt de-ageing v3" in queue and "Archive interviews, 1998" in queue
    cleared = people.legal_client.form(
        f"/models/{model_id}/clearances",
        {
            "source": "1",
            "evidence_sha256": sha("archive licence"),
            "note": "Licensed 22 Nov",
            "next": "/approvals/",
        },
        follow_redirects=True,
    )
    assert "recorded as cleared" in _text(cleared)
    page = _text(people.vfx_client.get(model_url))
    assert '<span class="badge active">active</span>' in page
    assert "Flashback, episode 2" in page  # every request made with it
    bad = people.vfx_client.form(
        "/models/new",
        {
            "name": "",
            "production_id": people.production.id,
            "fingerprint_sha256": "zz",
        },
    )
    assert bad.status_code == 422
    assert "Nothing was saved" in _text(bad)
    confirm = _text(people.vfx_client.form(f"/models/{model_id}/retire", {"reason": "wrapped"}))
    assert "Retire this model?" in confirm and "wrapped" in confirm  # nothing retired yet
    assert '<span class="badge active">active</span>' in _text(people.vfx_client.get(model_url))
    retired = people.vfx_client.form(
        f"/models/{model_id}/retire",
        {"reason": "wrapped", "confirm": "yes"},
        follow_redirects=True,
    )
    assert '<span class="badge retired">retired</span>' in _text(retired)


def test_pages_hide_other_productions_and_check_roles(ctx: Flask, app: Flask) -> None:
    people = People(app)
    performer = stored_performer()
    asked = _ask(
        people.vfx_client,
        "alteration",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": "x",
            "changes": ["pitch"],
        },
    )
    url = asked.headers["Location"]
    assert people.outsider_client.get(url).status_code == 404
    assert people.outsider_client.get("/requests/").status_code == 200
    assert url.split("/")[-1] not in _text(people.outsider_client.get("/requests/"))
    assert people.outsider_client.get("/models/mdl_nope").status_code == 404
    assert people.outsider_client.get("/replicas/rep_nope").status_code == 404
    # The outsider cannot ask about this production either (it is not in their list).
    refused = _ask(
        people.outsider_client,
        "alteration",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": "x",
            "changes": ["pitch"],
        },
    )
    assert refused.status_code == 422
    rep, _ = make_user("talent_rep")
    rep_client = Browser(app).login(rep)
    assert rep_client.get("/requests/new").status_code == 403
    assert rep_client.get("/approvals/").status_code == 403
    assert people.vfx_client.get("/approvals/").status_code == 403
    # Without the CSRF token a form post is refused.
    no_csrf = people.vfx_client.post("/requests/new/alteration", data={"description": "x"})
    assert no_csrf.status_code in (400, 422)
    assert "csrf" in _text(no_csrf).lower()
    receipt = people.vfx_client.get(url)
    link = re.search(r'href="([^"]+\.jws)"', receipt.get_data(as_text=True))
    assert link
    body = people.vfx_client.get(link.group(1))
    assert body.status_code == 200 and body.get_data(as_text=True).count(".") == 2


def test_every_kind_of_question_from_its_form(ctx: Flask, app: Flask) -> None:
    people = People(app)
    performer = stored_performer("Ola Berg")
    stored_consent(performer, people.production, ["digital_replica", "model_training"])
    client = people.vfx_client
    for kind in ("replica.create", "replica.use", "alteration", "model.use", "model.train"):
        assert client.get(f"/requests/new/{kind}").status_code == 200
    assert client.get("/requests/new/replica.delete").status_code == 404
    trained = _ask(
        client,
        "model.train",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": "Fine-tune on the dailies",
            "training_sources-0-description": "Principal photography dailies",
            "training_sources-0-clearance": "owned",
            "training_sources-1-description": "Fan art from the web",
            "training_sources-1-clearance": "uncleared",
        },
    )
    page = _text(client.get(trained.headers["Location"]))
    assert "R12" in page and "Not yet: written approval" in page
    assert "clearance of training source 1: Fan art from the web" in page
    assert "Training material: Fan art from the web (uncleared)" in page
    trained_id = trained.headers["Location"].rstrip("/").split("/")[-1]
    legal_form = _text(people.legal_client.get(f"/approvals/{trained_id}/approve"))
    assert "unowned training material is cleared" in legal_form  # the clears-sources box
    # A replica, registered, then a customary use of it from its page's link.
    created = (
        _ask(
            client,
            "replica.create",
            {
                "production_id": people.production.id,
                "performer_id": performer.id,
                "media": ["likeness"],
                "description": "Double for scene 9",
            },
        )
        .headers["Location"]
        .rstrip("/")
        .split("/")[-1]
    )
    people.legal_client.form(
        f"/approvals/{created}",
        {"note": "ok", "document": (io.BytesIO(unique_pdf()), "ok.pdf")},
        content_type="multipart/form-data",
    )
    replica_url = people.vfx_client.form("/replicas/", {"request_id": created}).headers["Location"]
    replica_id = replica_url.rstrip("/").split("/")[-1]
    assert f"replica_id={replica_id}" in _text(client.get(replica_url))
    used = _ask(
        client,
        "replica.use",
        {
            "production_id": people.production.id,
            "replica_id": replica_id,
            "media": ["likeness"],
            "description": "Stunt fall, scene 9",
            "safety": "y",
        },
    )
    page = _text(client.get(used.headers["Location"]))
    assert "Allowed: you may go ahead." in page and "R4" in page
    assert "it depicts an activity no person could perform safely" in page
    assert "Stunt fall, scene 9" in _text(client.get(replica_url))


def test_a_decision_no_longer_valid_says_so_first_and_links_its_consents(
    ctx: Flask, app: Flask
) -> None:
    from tests.factories import revoke

    people = People(app)
    performer = stored_performer("Ira Vance")
    version = stored_consent(
        performer,
        people.production,
        ["digital_alteration"],
        description="Sky replacement behind the lead, rooftop scenes of episode 2",
    )
    asked = _ask(
        people.vfx_client,
        "alteration",
        {"production_id": people.production.id, "performer_id": performer.id,
         "media": ["likeness"], "description": "Sky fix", "changes": ["other"]},
    )  # fmt: skip
    assert asked.status_code == 302
    page = asked.headers["Location"]
    text = _text(people.vfx_client.get(page))
    assert "Next step:</strong> go ahead; the decision is valid until" in text
    assert f'href="/consents/{version.consent_id}"' in text
    assert 'href="/rules#R8"' in text
    revoke(version)
    text = _text(people.vfx_client.get(page))
    notice = text.index("No longer valid")
    assert notice < text.index("It was allow when decided; do not rely on it")
    assert notice < text.index("What was decided")
    assert "Allowed: you may go ahead" not in text
    assert 'class="badge allow"' not in text[: text.index("What was decided")]
    assert "allow, no longer valid" in text
    assert "the consent it relied on was revoked on" in text
    # the lead's home count of decisions no longer valid leads to a list of exactly those
    request_id = page.rstrip("/").split("/")[-1]
    home = _text(people.vfx_client.get("/"))
    assert 'href="/requests/?valid=no"' in home
    invalid = _text(people.vfx_client.get("/requests/?valid=no"))
    still_valid = _text(people.vfx_client.get("/requests/?valid=yes"))
    assert request_id in invalid and request_id not in still_valid
    assert people.vfx_client.get("/requests/?valid=maybe").status_code == 400
    # the lead opens the consent it relied on: its scope and validity, nothing personal
    consent = _text(people.vfx_client.get(f"/consents/{version.consent_id}"))
    assert "Sky replacement behind the lead" in consent
    assert "Signed by" not in consent and "Evidence" not in consent and "Amend" not in consent
    # legal opens it whole, without the rep's actions
    legal = _text(people.legal_client.get(f"/consents/{version.consent_id}"))
    assert "Signed by" in legal and "Evidence" in legal
    assert "Revoke…" not in legal and "Amend</a>" not in legal
    # an outsider lead sees nothing of it
    assert people.outsider_client.get(f"/consents/{version.consent_id}").status_code == 404


def test_the_rules_page_shows_every_rule_and_condition_with_its_guidance(
    ctx: Flask, app: Flask
) -> None:
    from markupsafe import escape

    from registry.rules import CONDITIONS, RULES, RULESET_VERSION

    people = People(app)
    text = _text(people.legal_client.get("/rules"))
    assert RULESET_VERSION in text
    items: list[Any] = [*RULES, *CONDITIONS]
    for item in items:
        assert f'id="{item.id}"' in text, item.id
        assert str(escape(item.guidance.split(" ... ")[0][:40])) in text, item.id
    assert "in perpetuity" in text  # C2's phrases
    assert 'href="/rules"' in _text(people.vfx_client.get("/"))  # in everyone's navigation


def test_a_decisions_next_step_gives_its_date_in_the_readers_time_zone(
    ctx: Flask, app: Flask
) -> None:
    from zoneinfo import ZoneInfo

    people = People(app)
    people.vfx.time_zone = "Asia/Tokyo"
    db.session.commit()
    performer = stored_performer("Oda Rey")
    stored_consent(performer, people.production, ["digital_alteration"], description="Sky fix")
    asked = _ask(
        people.vfx_client,
        "alteration",
        {"production_id": people.production.id, "performer_id": performer.id,
         "media": ["likeness"], "description": "Sky fix", "changes": ["other"]},
    )  # fmt: skip
    decision = db.session.execute(select(DecisionRecord)).scalars().one()
    assert decision.valid_until is not None
    until = as_utc(decision.valid_until)
    tokyo = until.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
    page = _text(people.vfx_client.get(asked.headers["Location"]))
    assert f"go ahead; the decision is valid until {tokyo} JST" in page
    # the API's sentence stays in UTC, whoever reads it
    token = accounts.issue_token(people.vfx, actor_id=None)
    db.session.commit()
    request_id = asked.headers["Location"].rstrip("/").split("/")[-1]
    body = app.test_client().get(f"/api/v1/requests/{request_id}", headers=bearer(token))
    body = body.get_json()
    utc = until.strftime("%Y-%m-%d %H:%M")
    assert f"valid until {utc} UTC" in body["decision"]["next_step"]
