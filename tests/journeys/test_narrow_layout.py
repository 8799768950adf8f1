"""At 390 px wide, in real Chromium against a real gunicorn: the navigation collapses behind a
Menu button (a static script, no inline script) that opens it, the skip link is the first stop
of the keyboard, and the page does not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import NARROW, Journey, sideways_overflow, sign_in_page
from tests.journeys.conftest import DemoSite

pytestmark = pytest.mark.browser


def test_at_390px_the_menu_collapses_and_opens_and_nothing_scrolls_sideways(
    demo_site: DemoSite, journey: Journey
) -> None:
    page, rep = journey.page, demo_site.logins["talent_rep"]
    page.set_viewport_size(NARROW)
    sign_in_page(page, demo_site.url, rep.email, rep.password, rep.secret)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert sideways_overflow(page) <= 0

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="My performers").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(nav).to_be_hidden()  # collapsed again on the next page
    assert sideways_overflow(page) <= 0

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(menu).to_be_hidden()  # wide: the navigation shows, no Menu button
    expect(nav).to_be_visible()
