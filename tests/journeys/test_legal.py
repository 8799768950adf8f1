"""Legal's day in real Chromium against a real gunicorn on the demo data: signing in with a
code from the authenticator, following the home page's count to the approval queue, approving
an escalated request in writing with the signed document uploaded, and reading the result."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import Journey, sign_in_page
from tests.factories.documents import unique_pdf
from tests.journeys.conftest import DemoSite

pytestmark = pytest.mark.browser


def test_legal_follows_the_queue_count_and_approves_in_writing(
    demo_site: DemoSite, journey: Journey, tmp_path: Path
) -> None:
    page, legal = journey.page, demo_site.logins["legal"]
    sign_in_page(page, demo_site.url, legal.email, legal.password, legal.secret)
    queue_count = page.get_by_role("region", name="What needs you").get_by_role(
        "link", name="waiting for legal"
    )
    expect(queue_count).to_contain_text("3")  # the demo: two requests and a declaration
    journey.step("home")

    queue_count.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approval queue")
    item = (
        page.locator("article, section, li")
        .filter(has_text="Visual ADR: new line in the pier argument, scene 12")
        .last
    )
    journey.step("queue")

    item.get_by_role("link", name="Approve in writing…").click()
    signed = tmp_path / "signed-approval.pdf"
    signed.write_bytes(unique_pdf())
    page.get_by_label("Approval note (what was checked and approved)").fill(
        "Visual ADR approved by the performer's agent in writing; scope: scene 12 only"
    )
    page.get_by_label("Signed approval (PDF or image)").set_input_files(str(signed))
    journey.step("approve")
    page.get_by_role("button", name="Yes, approve in writing").click()
    expect(page.get_by_role("status").first).to_contain_text("Approval recorded")
    expect(page.get_by_role("region", name="Decision")).to_contain_text("Allowed")
    journey.step("approved request")

    journey.nav("Approval queue")
    expect(page.get_by_text("Visual ADR: new line in the pier argument, scene 12")).to_have_count(0)
    journey.step("queue after")
