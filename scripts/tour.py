"""``make tour``: the README's tour, six screenshots made from the demo data into docs/tour/ —
the home page, then one page per role — in Debian's Chromium against a real gunicorn on a
fresh SQLite database filled by ``flask demo seed`` (as ``make run`` does)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.browser import CHROMIUM_ARGS, WIDE, chromium_path, sign_in_page  # noqa: E402
from tests.gunicorn import served  # noqa: E402
from tests.journeys.conftest import Login, seed_demo  # noqa: E402

OUT = ROOT / "docs" / "tour"


def _shot(page: Page, name: str) -> None:
    page.wait_for_load_state("load")
    path = OUT / name
    page.screenshot(path=str(path), full_page=False)
    print(f"  {path.relative_to(ROOT)}")


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def _as(page: Page, base: str, login: Login) -> None:
    page.context.clear_cookies()
    sign_in_page(page, base, login.email, login.password, login.secret)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        url = f"sqlite:///{data / 'tour.db'}"
        with served(data, url, workers=1) as base, sync_playwright() as playwright:
            logins = seed_demo(data, url)
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport=WIDE, timezone_id="UTC")
            page = context.new_page()
            page.set_default_timeout(20_000)

            _as(page, base, logins["talent_rep"])
            _shot(page, "1-home.png")
            page.get_by_role("link", name="consents expiring in 30 days").click()
            page.locator("main tbody tr").first.locator("a").first.click()
            expect(page.locator("svg.timeline")).to_be_visible()
            _shot(page, "2-talent-rep.png")

            _as(page, base, logins["vfx_lead"])
            _nav(page, "Requests")
            page.locator("main tbody tr a").first.click()
            _shot(page, "3-vfx-lead.png")

            _as(page, base, logins["legal"])
            _nav(page, "Approval queue")
            _shot(page, "4-legal.png")

            _as(page, base, logins["admin"])
            nav = page.get_by_role("navigation", name="Main")
            _nav(page, "Users" if nav.get_by_role("link", name="Users").count() else "Productions")
            _shot(page, "5-admin.png")

            _as(page, base, logins["auditor"])
            _nav(page, "Audit trail")
            _shot(page, "6-auditor.png")
            browser.close()


if __name__ == "__main__":
    main()
