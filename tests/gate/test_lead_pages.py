"""The VFX lead's pages: request and model forms start on "Choose…" and say what to choose;
retiring a model goes through the shared confirmation; a production's page shows what the lead
may do there and what is on record (consents' purposes and validity without a personal field,
models, replicas, requests, declarations)."""

from __future__ import annotations

import re

from flask import Flask

from registry.extensions import db
from registry.gate.enhancement_models.models import EnhancementModel
from tests.factories import (
    make_production,
    performer_with_personal_data,
    sha,
    stored_consent,
    stored_performer,
)
from tests.gate.test_pages import People, _ask, _text


def test_request_forms_start_on_choose_and_name_what_is_missing(ctx: Flask, app: Flask) -> None:
    people = People(app)
    stored_performer("Ada Crane")
    for kind, selects in (
        ("replica.create", ("production_id", "performer_id")),
        ("replica.use", ("production_id", "replica_id")),
        ("model.use", ("production_id", "model_id")),
    ):
        page = people.vfx_client.get(f"/requests/new/{kind}").get_data(as_text=True)
        for name in selects:
            select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
            assert select, (kind, name)
            assert select.group(1).startswith('<option value="">Choose…</option>')
            assert "selected" not in select.group(1)  # the browser shows "Choose…"
    answer = _ask(
        people.vfx_client,
        "replica.create",
        {"media": ["likeness"], "description": "Double for scene 2"},
    )
    assert answer.status_code == 422
    text = _text(answer)
    assert "Choose a production." in text and "Choose a performer." in text
    assert "Length must be" not in text
    prefilled = people.vfx_client.get(
        f"/requests/new/alteration?production_id={people.production.id}"
    ).get_data(as_text=True)
    assert f'<option selected value="{people.production.id}">' in prefilled
    model_form = people.vfx_client.get("/models/new").get_data(as_text=True)
    assert '<select id="production_id" name="production_id"><option value="">Choose…</option>' in (
        model_form
    )


def test_retiring_a_model_is_confirmed_first(ctx: Flask, app: Flask) -> None:
    people = People(app)
    performer = stored_performer("Ada Crane")
    made = people.vfx_client.form(
        "/models/new",
        {
            "name": "Crane voice v1",
            "production_id": people.production.id,
            "performer_ids": [performer.id],
            "training_sources-0-description": "Dailies",
            "training_sources-0-clearance": "owned",
            "scope": "ADR fixes",
            "fingerprint_sha256": sha("weights"),
            "vendor": "Pixel Yard",
        },
    )
    assert made.status_code == 302, _text(made)
    url = made.headers["Location"]
    model_id = url.rstrip("/").split("/")[-1]
    assert f'class="button danger" href="/models/{model_id}/retire"' in _text(
        people.vfx_client.get(url)
    )
    assert "Retire Crane voice v1" in _text(people.vfx_client.get(f"/models/{model_id}/retire"))
    assert people.outsider_client.get(f"/models/{model_id}/retire").status_code == 404
    assert people.legal_client.get(f"/models/{model_id}/retire").status_code == 403
    confirm = _text(people.vfx_client.form(f"/models/{model_id}/retire", {"reason": "wrapped"}))
    assert "Retire this model?" in confirm and "Pixel Yard" in confirm
    model = db.session.get(EnhancementModel, model_id)
    assert model is not None and model.retired_at is None
    done = people.vfx_client.form(
        f"/models/{model_id}/retire", {"reason": "wrapped", "confirm": "yes"}
    )
    assert done.status_code == 302
    db.session.refresh(model)
    assert model.retired_at is not None and model.retire_reason == "wrapped"


def test_a_production_page_shows_what_the_lead_may_do_and_what_is_on_record(
    ctx: Flask, app: Flask
) -> None:
    people = People(app)
    performer = performer_with_personal_data(
        None, professional_name="Ivo Lark", legal_name="Ivan Larkspur", email="ivo@example.test"
    )
    stored_consent(performer, people.production, ["digital_replica"], ("likeness",))
    asked = _ask(
        people.vfx_client,
        "replica.create",
        {
            "production_id": people.production.id,
            "performer_id": performer.id,
            "media": ["likeness"],
            "description": "Double for the bridge, scene 5",
        },
    )
    assert asked.status_code == 302
    productions = people.vfx_client.get("/work/productions")
    url = f"/productions/{people.production.id}/overview"
    assert f'href="{url}"' in productions.get_data(as_text=True)
    page = _text(people.vfx_client.get(url))
    assert people.production.code in page
    assert "Make a digital replica" in page and "Register an enhancement model" in page
    assert "Ivo Lark" in page and "digital replica" in page and "likeness" in page
    assert "Double for the bridge, scene 5" in page
    for personal in ("Ivan Larkspur", "ivo@example.test", "+44 20 7946 0958"):
        assert personal not in page
    # Another production's lead sees nothing of it; the request page links to it.
    assert people.outsider_client.get(url).status_code == 404
    request_page = people.vfx_client.get(asked.headers["Location"]).get_data(as_text=True)
    assert f'href="{url}"' in request_page
    other = make_production()
    assert people.legal_client.get(f"/productions/{other.id}/overview").status_code == 200
