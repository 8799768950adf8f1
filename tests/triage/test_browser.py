"""In a real headless Chromium: a VFX lead declares each of the guidance's examples on the
"Declare a GenAI use" page and reads the triage DOMAIN.md gives; legal clears an escalated one
with the signed document uploaded; the final-cut check blocks a temporary asset and clears the
approved final one."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from registry.core.clock import utcnow
from registry.extensions import db
from registry.triage import tools
from tests.browser import LiveServer
from tests.factories import PASSWORD, make_production, make_user, sha, stored_performer, unique_pdf
from tests.triage.test_triage_table import EXAMPLES
from tests.triage.world import PUBLIC_TERMS, SECURE_TERMS

LEVEL_WORDS = {
    "low": "Low risk: go ahead",
    "caution": "Use judgement: go ahead carefully",
    "escalate": "Escalated: the studio contact (legal) decides",
}


def _sign_in(page: Any, url: str, email: str) -> None:
    from tests.factories.accounts import TOTP_SECRETS, second_factor_code

    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    if email in TOTP_SECRETS:  # admin and legal: a code from their authenticator app
        page.wait_for_url(f"{url}/login/second-factor*")
        page.fill("#code", second_factor_code(email))
        page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _declare(page: Any, url: str, production_id: str, ids: dict[str, str], name: str) -> str:
    inp = EXAMPLES[name][0]
    page.get_by_role("link", name="GenAI declarations").first.click()
    page.wait_for_url(f"{url}/declarations/")
    page.get_by_role("link", name="Declare a GenAI use").click()
    page.wait_for_url(f"{url}/declarations/new")
    page.select_option("#production_id", value=production_id)
    page.fill("#title", name[:80])
    page.fill("#description", f"The guidance's example: {name}")
    page.check(f"input[name=category][value={inp.category}]")
    page.check(f"input[name=output][value={inp.output}]")
    if inp.pipeline is not None:
        page.select_option("#pipeline_id", value=ids["pipeline"])
    for tool in inp.tools:
        page.check(f"input[name=tool_ids][value={ids[tool.name]}]")
    for performer in inp.performers:
        page.check(f"input[name=performer_ids][value={ids[performer.name]}]")
    for fact in inp.facts:
        page.check(f"#{fact}")
    for principle, answer in inp.principles.items():
        page.check(f"input[name={principle}][value={answer}]")
    page.get_by_role("button", name="Declare and triage").click()
    page.wait_for_url(f"{url}/declarations/gdl_*")
    return str(page.url)


@pytest.mark.browser
def test_a_lead_declares_the_guidance_examples_and_legal_clears_one(
    live_server: LiveServer, browser_page: Any
) -> None:
    with live_server.app.app_context():
        lead, _ = make_user("vfx_lead", "victor@example.test")
        legal, _ = make_user("legal", "lena@example.test")
        production = make_production("GO-02", members=(lead, legal))
        secure = tools.create_tool(
            {"name": "StudioGen Enterprise", "vendor": "SG", **SECURE_TERMS},
            user=legal,
            now=utcnow(),
        )
        public = tools.create_tool(
            {"name": "PublicChat", "vendor": "PC", **PUBLIC_TERMS}, user=legal, now=utcnow()
        )
        pipeline = tools.create_pipeline(
            {"name": "Quay clean-up", "vendor": "Quay",
             "stages": [{"tool_id": secure.id, "does": "plate clean-up"},
                        {"tool_id": public.id, "does": "upscaling"}]},
            user=legal, now=utcnow(),
        )  # fmt: skip
        mara = stored_performer("Mara Quill")
        ids = {
            "StudioGen Enterprise": secure.id,
            "PublicChat": public.id,
            "pipeline": pipeline.id,
            "Mara Quill": mara.id,
        }
        production_id, label = production.id, f"{production.code} ({production.title})"
        db.session.commit()
        db.session.remove()
    url, page = live_server.url, browser_page

    _sign_in(page, url, "victor@example.test")
    pages: dict[str, str] = {}
    for name, (_, level, rules, needed, next_step) in EXAMPLES.items():
        pages[name] = _declare(page, url, production_id, ids, name)
        card = page.get_by_role("region", name="Triage")
        expect(card.locator("h2")).to_contain_text(LEVEL_WORDS[level])
        step = next_step.replace("GO-02 (Glass Onion)", label)
        expect(card.locator(".next-step")).to_have_text(f"Next step: {step}.")
        fired = card.locator("ul.rules > li > strong").all_inner_texts()
        assert fired == [rule for rule, _ in rules], name
        for item in needed:
            expect(card.locator("ul.missing")).to_contain_text(
                item.replace("GO-02 (Glass Onion)", label)
            )
    # The poster mock-up (caution) gets a temporary asset; the read-aloud document (escalated,
    # final) a final one.
    mockup, document = sha("poster mock-up"), sha("historical document")
    for name, digest, output in (
        ("a poster in the background, a temporary mock-up", mockup, "temporary"),
        ("a historical document read aloud", document, "final"),
    ):
        page.goto(pages[name])
        page.fill("#name", f"{output}.png")
        page.fill("#sha256", digest)
        page.fill("#media_type", "image/png")
        page.select_option("#output", value=output)
        page.get_by_role("button", name="Register the asset").click()
        expect(page.locator("#assets")).to_contain_text(f"{output}.png")
    page.get_by_role("button", name="Sign out").click()

    # Legal clears the read-aloud document from the queue, with the signed approval uploaded.
    _sign_in(page, url, "lena@example.test")
    page.get_by_role("link", name="Approval queue").first.click()
    page.wait_for_url(f"{url}/approvals/")
    page.get_by_role("link", name="a historical document read aloud").click()
    page.wait_for_url(pages["a historical document read aloud"])
    page.get_by_role("link", name="Clear in writing…").click()  # the confirmation page
    expect(page.get_by_role("heading", name="Clear this declaration in writing?")).to_be_visible()
    page.fill("#note", "Rights cleared; the art department repainted it")
    signed = {"name": "approval.pdf", "mimeType": "application/pdf", "buffer": unique_pdf()}
    page.set_input_files("#document", signed)
    page.get_by_role("button", name="Yes, clear it").click()
    page.wait_for_url(pages["a historical document read aloud"])
    expect(page.get_by_role("region", name="Triage")).to_contain_text(
        "May proceed: approved in writing by legal."
    )

    # The final cut: the temporary mock-up blocks; the cleared final asset does not.
    page.goto(f"{url}/productions/{production_id}/final-cut")
    page.fill("#hashes", f"{document}  reel1/document.png\n{mockup}  reel1/poster.png\n")
    page.get_by_role("button", name="Check the final cut").click()
    result = page.get_by_role("region", name="Result")
    expect(result.locator("h2")).to_contain_text("Delivery is blocked.")
    rows = result.locator("tbody tr")
    expect(rows.first).to_contain_text("reel1/poster.png")
    expect(rows.first).to_contain_text("a temporary asset")
    expect(rows.nth(1)).to_contain_text("generated under a declaration cleared for final output")
