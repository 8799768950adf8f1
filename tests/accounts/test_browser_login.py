"""In a real headless Chromium: sign in, see the pages for your role, sign out."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from registry.extensions import db
from tests.browser import LiveServer
from tests.factories import PASSWORD, make_user


@pytest.mark.browser
def test_sign_in_and_out_in_a_real_browser(live_server: LiveServer, browser_page: Any) -> None:
    with live_server.app.app_context():
        make_user("auditor", "aude@example.test")
        db.session.remove()
    email = "aude@example.test"
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login")
    page.fill("#email", email)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("main")).to_contain_text("E-mail or password is not right.")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Welcome")
    page.get_by_role("link", name="Audit trail").first.click()
    page.wait_for_url(f"{live_server.url}/audit/")
    page.get_by_role("button", name="Verify the whole trail").click()
    page.wait_for_url(f"{live_server.url}/audit/?verify=1")
    expect(page.locator("[role=status]").filter(has_text="Intact:")).to_have_count(1)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login")
    assert "Signed out." in page.content()
    page.goto(f"{live_server.url}/audit/")
    assert page.url.startswith(f"{live_server.url}/login")
