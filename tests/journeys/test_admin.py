"""An admin's day in real Chromium against a real gunicorn on the demo data: signing in with a
code from the authenticator, the home page's counts, a production and its members, the users
(when that page is there), and the reminders dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import Journey, sign_in_page
from tests.journeys.conftest import DemoSite

pytestmark = pytest.mark.browser


def test_an_admin_looks_after_productions_users_and_reminders(
    demo_site: DemoSite, journey: Journey
) -> None:
    page, admin = journey.page, demo_site.logins["admin"]
    sign_in_page(page, demo_site.url, admin.email, admin.password, admin.secret)
    needs = page.get_by_role("region", name="What needs you")
    expect(needs.get_by_role("link", name="waiting for legal")).to_be_visible()
    expect(needs.get_by_role("link", name="consents expiring in 30 days")).to_be_visible()
    journey.step("home")

    journey.nav("Productions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Productions")
    journey.step("productions")
    page.get_by_role("link", name="NH-01").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Night Harbour")
    journey.step("production")

    main_nav = page.get_by_role("navigation", name="Main")
    if main_nav.get_by_role("link", name="Users").count():
        journey.nav("Users")
        expect(page.get_by_role("heading", level=1)).to_have_text("Users")
        expect(page.get_by_role("link", name="Victor VFX")).to_be_visible()
        journey.step("users")

    journey.nav("Reminders")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.step("reminders")
