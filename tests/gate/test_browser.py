"""In a real headless Chromium: a VFX lead asks "May I use this?" and reads the decision; legal
approves an escalated replica from the queue."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from registry.extensions import db
from tests.browser import LiveServer
from tests.factories import (
    PASSWORD,
    make_production,
    make_user,
    stored_consent,
    stored_performer,
    unique_pdf,
)


def _sign_in(page: Any, url: str, email: str) -> None:
    from tests.factories.accounts import TOTP_SECRETS, second_factor_code

    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    if email in TOTP_SECRETS:  # admin and legal: a code from their authenticator app
        page.wait_for_url(f"{url}/login/second-factor*")
        page.fill("#code", second_factor_code(email))
        page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


@pytest.mark.browser
def test_vfx_lead_asks_and_legal_approves_in_a_real_browser(
    live_server: LiveServer, browser_page: Any
) -> None:
    with live_server.app.app_context():
        vfx, _ = make_user("vfx_lead", "victor@example.test")
        make_user("legal", "lena@example.test")
        production = make_production("NH-01", members=(vfx,))
        performer = stored_performer("Mara Quill", guild="SAG-AFTRA")
        stored_consent(performer, production, ["digital_replica"], ["likeness"])
        db.session.remove()
    url, page = live_server.url, browser_page

    # A VFX lead: an alteration with noise reduction is allowed, by R6, in plain words.
    _sign_in(page, url, "victor@example.test")
    page.get_by_role("link", name="May I use this?").first.click()
    page.get_by_role("link", name="Alter a recorded performance").click()
    page.select_option("#production_id", label="NH-01 · Production NH-01 (production)")
    page.select_option("#performer_id", label="Mara Quill")
    page.get_by_label("voice", exact=True).check()
    page.fill("#description", "Clean up the hiss under the harbour dialogue, scene 7")
    page.get_by_label("Noise reduction", exact=True).check()
    page.get_by_role("button", name="Ask the registry").click()
    page.wait_for_url(f"{url}/requests/req_*")
    decision = page.get_by_role("region", name="Decision")
    assert decision.locator("h2").inner_text() == "allow Allowed: you may go ahead."
    rule = decision.locator("ul.rules li").first.inner_text()
    assert rule.startswith("R6")
    assert "noise_reduction: customary post-production changes, no consent needed" in rule
    assert "customary exception" in decision.inner_text()

    # Making a replica needs written approval: escalated.
    page.get_by_role("link", name="May I use this?").first.click()
    page.get_by_role("link", name="Make a digital replica").click()
    page.select_option("#production_id", label="NH-01 · Production NH-01 (production)")
    page.select_option("#performer_id", label="Mara Quill")
    page.fill("#description", "Digital double for the pier fall, scene 31")
    page.get_by_role("button", name="Ask the registry").click()
    page.wait_for_url(f"{url}/requests/req_*")
    replica_request = page.url
    assert "Not yet: written approval" in page.get_by_role("region", name="Decision").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # Legal approves it from the queue; the request is decided again and now allowed.
    _sign_in(page, url, "lena@example.test")
    page.get_by_role("link", name="Approval queue").first.click()
    page.wait_for_url(f"{url}/approvals/")
    item = page.locator("section.queue-item").filter(has_text="Mara Quill")
    expect(item).to_have_count(1)
    item.get_by_role("link", name="Approve in writing…").click()  # the confirmation page
    expect(page.get_by_role("heading", name="Approve this request in writing?")).to_be_visible()
    page.locator("textarea[name=note]").fill("Replica rider signed by the agent, 21 Nov")
    rider = {"name": "rider.pdf", "mimeType": "application/pdf", "buffer": unique_pdf()}
    page.locator("input[name=document]").set_input_files(rider)
    page.get_by_role("button", name="Yes, approve in writing").click()
    page.wait_for_url(replica_request)
    assert "Approval recorded" in page.content()
    decision = page.get_by_role("region", name="Decision")
    assert decision.locator("h2").inner_text() == "allow Allowed: you may go ahead."
    assert "on a written approval recorded by legal" in decision.inner_text()
    page.get_by_role("link", name="Approval queue").first.click()
    page.wait_for_url(f"{url}/approvals/")
    expect(page.locator("main")).to_contain_text("No use request waits for approval.")
