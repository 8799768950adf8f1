"""An auditor's day in real Chromium against a real gunicorn on the demo data: the audit trail,
verifying both chains, filtering the events by action, and the notifications."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import Journey, sign_in_page
from tests.journeys.conftest import DemoSite

pytestmark = pytest.mark.browser


def test_an_auditor_verifies_the_trail_and_filters_its_events(
    demo_site: DemoSite, journey: Journey
) -> None:
    page, auditor = journey.page, demo_site.logins["auditor"]
    sign_in_page(page, demo_site.url, auditor.email, auditor.password, auditor.secret)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    journey.step("home")

    journey.nav("Audit trail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    journey.step("audit trail")

    page.get_by_role("button", name="Verify both chains").click()
    expect(page.get_by_text("Intact", exact=False).first).to_be_visible()
    journey.step("verified")

    page.get_by_label("Action").fill("consent.")
    page.get_by_role("button", name="Show these events").click()
    rows = page.locator("#events tbody tr, main table tbody tr")
    expect(rows.first).to_contain_text("consent.")
    journey.step("consent events")

    journey.nav("Notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    journey.step("notifications")
