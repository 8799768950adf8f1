"""A real HTTP server on 127.0.0.1 for an app, and a Playwright page in Debian's Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    app: Flask
    url: str


def _closed_when_sent(app: Flask) -> Any:
    """``app`` with each response closed as soon as its body is sent (or dropped).

    Werkzeug's server closes the response only after draining the socket, and that drain raises
    when a browser has already dropped the connection (Chromium does for a 304 favicon), so the
    response's open file was left to the garbage collector: a ResourceWarning, which the suite
    treats as an error. A generator closes the body in its own ``finally``."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


@contextmanager
def serve(app: Flask) -> Iterator[LiveServer]:
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _closed_when_sent(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError(
            "Debian's chromium is required for browser tests (scripts/ensure-chromium.sh)"
        )
    return path


# -- journeys: a person clicking through the pages, checked at every step ---------------------


def _root() -> Path:
    return Path(__file__).resolve().parents[1]


def axe_source() -> str:
    """axe-core from the npm registry (``npm ci`` at the repository root installs it)."""
    path = _root() / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        raise RuntimeError("axe-core is missing: run `npm ci` at the repository root")
    return path.read_text()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on the page as it is now, one line each. axe is
    evaluated as source in the page (the CSP refuses added script tags)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in impacts
    ]


def sideways_overflow(page: Any) -> int:
    """How many CSS pixels the page scrolls sideways (0: it fits its viewport's width)."""
    return int(
        page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth"
        )
    )


def overflowing(page: Any) -> list[str]:
    """The innermost elements reaching past the viewport's right edge (for a failure's message)."""
    return list(
        page.evaluate(
            """() => [...document.body.querySelectorAll('*')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .filter(e => ![...e.children].some(
                    c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px: '
                    + (e.textContent || '').trim().slice(0, 60))"""
        )
    )


NARROW = {"width": 390, "height": 844}
NARROW_MAX = 700  # static/layout.js and style.css: the menu collapses at this width and below
WIDE = {"width": 1280, "height": 900}


@dataclass
class Journey:
    """A person's way through the pages: ``step`` after each click waits for what the step
    checks (the caller's ``expect``), then takes a screenshot into ``folder``, runs axe-core
    (no serious or critical violation) and checks the page at 390 px does not scroll sideways.
    Every URL visited is kept in ``visited``."""

    page: Any
    folder: Path
    visited: list[str] = field(default_factory=list)
    narrow_too: bool = True

    def step(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        number = len(self.visited) + 1
        self.visited.append(page.url)
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        page.screenshot(path=str(self.folder / f"{number:02d}-{slug}.png"), full_page=True)
        problems = axe_violations(page)
        assert not problems, f"axe on {page.url} ({name}):\n" + "\n".join(problems)
        if self.narrow_too:
            size = page.viewport_size or WIDE
            page.set_viewport_size(NARROW)
            try:
                self._settled(NARROW["width"])  # the menu collapsed, as a person would see it
                over = sideways_overflow(page)
                page.screenshot(path=str(self.folder / f"{number:02d}-{slug}-390px.png"))
                assert over <= 0, (
                    f"{page.url} ({name}) scrolls {over}px sideways at 390px: "
                    + "; ".join(overflowing(page))
                )
            finally:
                page.set_viewport_size(size)
                self._settled(size["width"])

    def _settled(self, width: int) -> None:
        """Wait until static/layout.js has put the menu in its state for ``width``."""
        self.page.wait_for_function(
            """wide => { const b = document.querySelector('.menu-toggle');
                return b === null || b.hidden === wide; }""",
            arg=width > NARROW_MAX,
        )

    def nav(self, label: str) -> None:
        """Follow the main navigation's ``label`` (opening the Menu first on a narrow screen)."""
        page = self.page
        width = (page.viewport_size or WIDE)["width"]
        self._settled(width)
        toggle = page.locator("button.menu-toggle")
        if width <= NARROW_MAX and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def sign_in_page(page: Any, base: str, email: str, password: str, totp_secret: str | None) -> None:
    """Sign in through the login page; admin and legal give a code computed from their
    authenticator secret (``tests.factories.accounts.second_factor_code``: never one reused)."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret is not None:
        from tests.factories.accounts import TOTP_SECRETS, remember_secret, second_factor_code

        if TOTP_SECRETS.get(email) != totp_secret:
            remember_secret(email, totp_secret)
        page.wait_for_url(f"{base}/login/second-factor*")
        page.locator("#code").fill(second_factor_code(email))
        page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")
