"""In a real headless Chromium: sign in, see the pages for your role, sign out; admins enrol a
second factor at their first sign-in; the demo legal signs in with the printed TOTP secret."""

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
    page.get_by_role("button", name="Verify both chains").click()
    page.wait_for_url(f"{live_server.url}/audit/?verify=1")
    intact = page.locator("[role=status]").filter(has_text="Intact:")
    expect(intact.filter(has_text="state events verified")).to_have_count(1)
    expect(intact).to_have_count(2)  # the events' chain and the state events' chain
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login")
    assert "Signed out." in page.content()
    page.goto(f"{live_server.url}/audit/")
    assert page.url.startswith(f"{live_server.url}/login")


@pytest.mark.browser
def test_an_admin_enrols_a_second_factor_at_the_first_sign_in_in_a_real_browser(
    live_server: LiveServer, browser_page: Any
) -> None:
    from tests.factories.accounts import remember_secret, second_factor_code

    with live_server.app.app_context():
        make_user("admin", "ada@example.test", second_factor_enrolled=False)
        db.session.remove()
    url, page = live_server.url, browser_page
    page.goto(f"{url}/performers")
    page.fill("#email", "ada@example.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/login/enrol?next=/performers")
    secret = page.locator("#secret").inner_text().replace(" ", "")
    link = page.get_by_role("link", name="open the key in your app").get_attribute("href")
    assert link is not None and link.startswith("otpauth://totp/") and secret in link
    page.goto(f"{url}/")  # the password alone opens nothing
    assert page.url.startswith(f"{url}/login")
    page.goto(f"{url}/login/enrol?next=/performers")
    remember_secret("ada@example.test", secret)  # as her authenticator app does
    page.fill("#code", second_factor_code("ada@example.test"))
    page.get_by_role("button", name="Confirm and sign in").click()
    codes = page.get_by_role("region", name="Your recovery codes").locator("li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"{url}/performers")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{url}/login")

    page.fill("#email", "ada@example.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/login/second-factor")
    page.fill("#code", second_factor_code("ada@example.test"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    assert page.locator("h1").inner_text().startswith("Welcome")


@pytest.mark.browser
def test_the_demo_legal_signs_in_with_the_printed_totp_secret(
    live_server: LiveServer, browser_page: Any
) -> None:
    import re

    import pyotp

    seeded = live_server.app.test_cli_runner().invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    line = re.search(
        r"legal\s+legal@demo\.test\s+password: (\S+)  TOTP secret: ([A-Z2-7]+)", seeded.output
    )
    assert line is not None
    password, secret = line.groups()
    url, page = live_server.url, browser_page
    page.goto(f"{url}/login")
    page.fill("#email", "legal@demo.test")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/login/second-factor")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    expect(page.locator("main")).to_contain_text("Signed in as legal@demo.test.")
