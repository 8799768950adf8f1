"""A VFX lead's day in real Chromium against a real gunicorn on the demo data: the home page's
count of decisions no longer valid, asking "May I use this?" for an alteration and reading the
decision, then the request list, the models and the GenAI declarations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import Journey, sign_in_page
from tests.journeys.conftest import DemoSite

pytestmark = pytest.mark.browser


def _choose(page: object, select_id: str, containing: str) -> None:
    """Pick the option of ``select_id`` whose text contains ``containing`` (as a person reads)."""
    select = page.locator(f"#{select_id}")  # type: ignore[attr-defined]
    labels = select.locator("option").all_inner_texts()
    [label] = [text for text in labels if containing in text]
    select.select_option(label=label)


def test_a_vfx_lead_asks_may_i_use_this_and_reads_the_decision(
    demo_site: DemoSite, journey: Journey
) -> None:
    page, lead = journey.page, demo_site.logins["vfx_lead"]
    sign_in_page(page, demo_site.url, lead.email, lead.password, lead.secret)
    needs = page.get_by_role("region", name="What needs you")
    expect(needs.get_by_role("link", name="decisions no longer valid")).to_be_visible()
    journey.step("home")

    journey.nav("May I use this?")
    expect(page.get_by_role("heading", level=1)).to_have_text("May I use this?")
    journey.step("what to ask")
    page.get_by_role("link", name="Alter a recorded performance").click()
    _choose(page, "production_id", "NH-01")
    _choose(page, "performer_id", "Jonah Vale")
    page.get_by_label("voice", exact=True).check()
    page.get_by_label("What will be made, for which scene?").fill(
        "Clean up the hiss under the harbour dialogue, scene 7"
    )
    page.get_by_label("Noise reduction", exact=True).check()
    journey.step("alteration form")
    page.get_by_role("button", name="Ask the registry").click()
    decision = page.get_by_role("region", name="Decision")
    expect(decision).to_contain_text("Allowed")
    journey.step("decision")

    journey.nav("Requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    expect(
        page.get_by_text("Clean up the hiss under the harbour dialogue, scene 7")
    ).to_be_visible()
    journey.step("requests")

    journey.nav("Models")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.step("models")

    journey.nav("GenAI declarations")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.step("declarations")
