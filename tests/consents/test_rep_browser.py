"""A talent rep in a real headless Chromium: add a performer and find them by legal name, record
a consent with the signed PDF, see it on the timeline and among the consents expiring soon,
download the document, amend it, revoke it (with the confirmation step), download the
receipts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from registry.core.clock import utcnow
from registry.extensions import db
from registry.receipts.verify import verify_receipt
from tests.browser import LiveServer
from tests.factories import (
    PASSWORD,
    make_production,
    make_user,
    performer_with_personal_data,
    unique_pdf,
)


def _local(delta: timedelta) -> str:
    return (utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
def test_a_rep_records_amends_revokes_and_downloads_in_a_real_browser(
    live_server: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    app = live_server.app
    with app.app_context():
        rita, _ = make_user("talent_rep", "rita@example.test")
        performer_with_personal_data(
            rita, professional_name="Other Client", legal_name="Olga Client"
        )
        make_production("BR-01")
        db.session.remove()
    page = browser_page
    base = live_server.url

    page.goto(f"{base}/login")
    page.fill("#email", "rita@example.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    # Add the performer, then find them again by their legal name alone.
    page.get_by_role("link", name="My performers").first.click()
    page.get_by_role("link", name="Add a performer").click()
    page.fill("#professional_name", "Browser Star")
    page.fill("#legal_name", "Bea Ostrova")
    page.fill("#email", "bea@example.test")
    page.get_by_role("button", name="Add performer").click()
    page.wait_for_url(f"{base}/performers/prf_*")
    performer_id = page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name="My performers").first.click()
    page.wait_for_url(f"{base}/performers")
    expect(page.locator("table a", has_text="Other Client")).to_have_count(1)
    page.fill("#q", "ostrov")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"{base}/performers?q=ostrov")
    expect(page.locator("table a", has_text="Other Client")).to_have_count(0)
    page.get_by_role("link", name="Browser Star").click()
    page.wait_for_url(f"{base}/performers/{performer_id}")
    assert "Bea Ostrova" in page.content() and "bea@example.test" in page.content()

    # Record, with the signed PDF uploaded through the form.
    page.get_by_role("link", name="Record a consent").click()
    page.select_option("#production_id", label="BR-01 · Production BR-01")
    page.check("input[name=purposes][value=digital_replica]")
    page.check("input[name=media][value=likeness]")
    page.fill("#description", "Replica of the face for the night chase, episode 2, scenes 10-12")
    page.check("#guild_compliant")
    page.fill("#signed_at", _local(-timedelta(days=1)))
    page.fill("#expires_at", _local(timedelta(days=20)))
    first_pdf = unique_pdf()
    page.set_input_files(
        "#evidence",
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": first_pdf}],
    )
    page.get_by_role("button", name="Record consent").click()
    page.wait_for_url(f"{base}/consents/*")
    assert "Consent recorded" in page.content()
    consent_url = page.url

    # The timeline on the performer's page shows it, with today marked.
    page.get_by_role("link", name="← Browser Star").click()
    page.wait_for_url(f"{base}/performers/{performer_id}")
    svg = page.locator("svg.timeline")
    assert "BR-01 · digital replica" in svg.inner_html()
    expect(svg.locator("rect.bar.active")).to_have_count(1)
    expect(svg.locator("line.today")).to_have_count(1)

    # Among the consents expiring soon (it ends in 20 days): in the 30-day and 90-day windows.
    page.get_by_role("link", name="Expiring consents").first.click()
    page.wait_for_url(f"{base}/consents/expiring*")
    expect(page.locator("table a", has_text="Browser Star")).to_have_count(1)
    page.get_by_role("link", name="90 days").click()
    page.wait_for_url(f"{base}/consents/expiring?days=90")
    expect(page.locator("table a", has_text="Browser Star")).to_have_count(1)

    # The signed document comes back byte for byte.
    page.goto(consent_url)
    with page.expect_download() as document_download:
        page.get_by_role("link", name="Signed document (v1)").click()
    document_file = tmp_path / "document.pdf"
    document_download.value.save_as(document_file)
    assert document_file.read_bytes() == first_pdf

    # Amend: a new signed document, a changed purpose list; version 1 is superseded.
    page.goto(consent_url)
    page.get_by_role("link", name="Amend").click()
    page.check("input[name=purposes][value=synthetic_voice]")
    page.check("input[name=media][value=voice]")
    page.fill("#signed_at", _local(-timedelta(hours=1)))
    page.check("#effective_choice-keep")  # said, never kept silently
    page.set_input_files(
        "#evidence",
        files=[{"name": "amended.pdf", "mimeType": "application/pdf", "buffer": unique_pdf()}],
    )
    page.get_by_role("button", name="Record amendment").click()
    page.wait_for_url(consent_url)
    assert "version 2 is now current" in page.content()
    expect(page.locator(".badge.superseded")).to_have_count(1)

    # Revoke, with the confirmation step.
    page.get_by_role("link", name="Revoke…").click()
    page.fill("#reason", "The performer withdrew consent in writing.")
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("heading", name="Revoke this consent now?")).to_be_visible()
    expect(page.locator("h1 .badge.revoked")).to_have_count(0)
    page.get_by_role("button", name="Yes, revoke this consent").click()
    page.wait_for_url(consent_url)
    expect(page.locator("h1 .badge.revoked")).to_have_count(1)

    # Download the receipts and check them offline.
    with page.expect_download() as receipt_download:
        page.get_by_role("link", name="Consent receipt (v2)").click()
    with page.expect_download() as termination_download:
        page.get_by_role("link", name="Termination receipt", exact=True).first.click()
    receipt_file = tmp_path / "receipt.jws"
    termination_file = tmp_path / "termination.jws"
    receipt_download.value.save_as(receipt_file)
    termination_download.value.save_as(termination_file)
    with app.app_context():
        receipt = verify_receipt(receipt_file.read_text())
        termination = verify_receipt(termination_file.read_text())
    assert receipt["typ"] == "consent" and receipt["version"] == 2
    assert receipt["purposes"] == ["digital_replica", "synthetic_voice"]
    assert receipt["performer"] == {"id": performer_id, "professional_name": "Browser Star"}
    assert termination["typ"] == "consent-termination" and termination["status"] == "revoked"
    assert "Bea Ostrova" not in json.dumps(receipt) + json.dumps(termination)
