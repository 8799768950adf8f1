"""A talent rep's day in real Chromium against a real gunicorn on the demo data: from the home
page's count of consents expiring soon to the consent, revoked through the one confirmation
pattern; notifications; the time zone offered from the browser, then used for every date."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import Journey, sign_in_page
from tests.journeys.conftest import BROWSER_ZONE, DemoSite

pytestmark = pytest.mark.browser


def test_a_talent_rep_follows_a_count_to_a_consent_revokes_it_and_sets_the_time_zone(
    demo_site: DemoSite, journey: Journey
) -> None:
    page, rep = journey.page, demo_site.logins["talent_rep"]
    sign_in_page(page, demo_site.url, rep.email, rep.password, rep.secret)
    needs = page.get_by_role("region", name="What needs you")
    expiring = needs.get_by_role("link", name="consents expiring in 30 days")
    expect(expiring).to_contain_text("2")  # the demo: one in 5 days, one in 25
    journey.step("home")

    expiring.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consents expiring in the next 30 days"
    )
    expect(page.locator("main tbody tr")).to_have_count(2)
    journey.step("expiring consents")

    page.locator("main tbody tr").first.get_by_role("link", name="Mara Quinn").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mara Quinn")
    timeline = page.get_by_role("group", name="Consent timeline")
    expect(timeline).to_be_visible()
    page.get_by_text("The timeline as a table").click()
    expect(
        page.get_by_role("table", name="Consent validity by production and purpose")
    ).to_be_visible()
    journey.step("performer and timeline")

    page.get_by_role("link", name="GO-02").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("GO-02")
    journey.step("consent")

    revoke = page.get_by_role("link", name="Revoke…")
    expect(revoke).to_have_class("button danger")
    revoke.click()
    journey.step("revoke form")
    page.get_by_label("Reason for revocation").fill("The performer withdrew on the phone today")
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke this consent now?")
    journey.step("confirm revocation")
    page.get_by_role("button", name="Yes, revoke this consent").click()
    expect(page.locator(".badge.revoked").first).to_be_visible()
    journey.step("revoked")

    journey.nav("Notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    journey.step("notifications")

    page.get_by_role("link", name=rep.email).click()
    zone = page.get_by_role("combobox", name="Time zone")
    expect(zone).to_have_value(BROWSER_ZONE)  # offered from the browser by static/timezone.js
    expect(page.locator("#zone-detected")).to_contain_text(BROWSER_ZONE)
    journey.step("account")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("status")).to_contain_text(f"Dates are now shown in {BROWSER_ZONE}")

    page.get_by_role("link", name="Talent consent registry").click()
    page.get_by_role("link", name="consents expiring in 30 days").click()
    shown = page.locator("main tbody time").first
    expect(shown).to_contain_text("CET")
    assert (shown.get_attribute("title") or "").endswith(" UTC")
    journey.step("expiring in the rep's zone")
