"""In a real headless Chromium: the pages run under the Content-Security-Policy without a
single violation (no inline script or style anywhere), as a VFX lead and a talent rep use them."""

from __future__ import annotations

from typing import Any

import pytest

from registry.extensions import db
from tests.browser import LiveServer
from tests.factories import PASSWORD, make_production, make_user

PAGES = {
    "vfx@example.test": ["/", "/requests/new", "/requests/", "/declarations/", "/declarations/new",
                         "/tools/", "/rules", "/models/", "/reminders"],
    "rep@example.test": ["/", "/performers", "/performers/new", "/consents/expiring?days=30",
                         "/reminders"],
}  # fmt: skip


@pytest.mark.browser
def test_pages_run_without_a_policy_violation(live_server: LiveServer, browser_page: Any) -> None:
    with live_server.app.app_context():
        lead, _ = make_user("vfx_lead", "vfx@example.test")
        make_user("talent_rep", "rep@example.test")
        make_production("NH-01", members=(lead,))
        db.session.remove()
    url, page = live_server.url, browser_page
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    visited = 0
    for email, paths in PAGES.items():
        page.context.clear_cookies()
        page.goto(f"{url}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/")
        for path in paths:
            answer = page.goto(f"{url}{path}")
            assert answer is not None and answer.status == 200, path
            assert answer.headers["content-security-policy"].startswith("default-src 'self'")
            visited += 1
    assert visited == sum(len(p) for p in PAGES.values())
    violations = [m for m in messages if "Content Security Policy" in m or "pageerror" in m]
    assert violations == []
    assert not [m for m in messages if m.startswith("error")], messages
